package mockhost

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lxc/incus/v6/shared/api"
	"gopkg.in/yaml.v3"
)

// Creating, changing and deleting images (rack_incus_image), as incusd does
// in cmd/incusd/images.go: POST /1.0/images publishes an instance, takes an
// upload (unified: the raw tarball as the body; split: multipart/form-data
// with the parts "metadata" and "rootfs"), or pulls an image from an image
// server, each as an operation; PUT/PATCH change its properties; DELETE is
// an operation too.

func (m *Incus) imageManageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /1.0/images", m.createImage)
	mux.HandleFunc("PUT /1.0/images/{fingerprint}", func(w http.ResponseWriter, r *http.Request) { m.updateImage(w, r, false) })
	mux.HandleFunc("PATCH /1.0/images/{fingerprint}", func(w http.ResponseWriter, r *http.Request) { m.updateImage(w, r, true) })
	mux.HandleFunc("DELETE /1.0/images/{fingerprint}", m.deleteImage)
}

// imageServers are the mocks serving HTTPS, by URL: the only servers a pull
// reaches (the tests' public image servers).
var imageServers sync.Map // url -> *Incus

func registerImageServer(url string, m *Incus) { imageServers.Store(url, m) }

func (m *Incus) createImage(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/octet-stream", "multipart/form-data":
		m.uploadImage(w, r, ct)
		return
	}
	var req api.ImagesPost
	if !decode(w, r, &req) {
		return
	}
	if req.Source == nil {
		writeError(w, http.StatusBadRequest, "No source provided")
		return
	}
	switch req.Source.Type {
	case "instance", "container", "virtual-machine", "snapshot":
		m.publishImage(w, r, req)
	case "image":
		m.pullImage(w, r, req)
	default:
		writeError(w, http.StatusBadRequest, "Bad type")
	}
}

// publishImage: incusd checks the source in the operation, so a missing or
// running instance fails the operation, not the request.
func (m *Incus) publishImage(w http.ResponseWriter, r *http.Request, req api.ImagesPost) {
	project := projectParam(r)
	name := req.Source.Name
	isSnap := strings.Contains(name, "/")
	m.mu.Lock()
	defer m.mu.Unlock()
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", project, name, time.Now().UnixNano())))
	fp := hex.EncodeToString(sum[:])
	mop := m.startOperation(w, "Downloading image", map[string][]string{}, failWith(r), func() string {
		switch {
		case req.Source.Type == "snapshot" && !isSnap:
			return "Not a snapshot"
		case req.Source.Type != "snapshot" && isSnap:
			return "This is a snapshot"
		}
		instName, snapName, _ := strings.Cut(name, "/")
		p := m.projects[project]
		var inst *mockInstance
		if p != nil {
			inst = p.instances[instName]
		}
		if inst == nil {
			return fmt.Sprintf("Failed to fetch instance %q in project %q: Instance not found", name, project)
		}
		if isSnap && m.snapshotsOf(inst)[snapName] == nil {
			return fmt.Sprintf("Failed to fetch snapshot %q of instance %q in project %q: Instance_snapshot not found", snapName, instName, project)
		}
		if inst.running && !isSnap {
			return "Cannot export a running instance as an image"
		}
		if _, ok := m.images[fp]; ok {
			return "Image with same fingerprint already exists"
		}
		props := map[string]string{}
		for k, v := range inst.Config {
			if p, ok := strings.CutPrefix(k, "image."); ok {
				props[p] = v
			}
		}
		for k, v := range req.Properties {
			props[k] = v
		}
		now := time.Now().UTC()
		m.images[fp] = &api.Image{
			Fingerprint: fp, Architecture: inst.Architecture, Type: inst.Type, Size: 1024 * 1024,
			Filename: req.Filename, CreatedAt: now, UploadedAt: now,
			ImagePut: api.ImagePut{Public: req.Public, Properties: props},
		}
		return ""
	})
	mop.op.Metadata = map[string]any{"fingerprint": fp, "size": 1024 * 1024}
}

// pullImage copies an image from a public image server (mode pull); the
// mock reaches only the image servers the tests started.
func (m *Incus) pullImage(w http.ResponseWriter, r *http.Request, req api.ImagesPost) {
	src := req.Source
	if src.Mode != "pull" {
		writeError(w, http.StatusNotImplemented, "Mode not implemented")
		return
	}
	if src.Server == "" {
		writeError(w, http.StatusBadRequest, "Missing URL")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mop := m.startOperation(w, "Downloading image", map[string][]string{}, failWith(r), func() string {
		v, ok := imageServers.Load(strings.TrimSuffix(src.Server, "/"))
		if !ok {
			return fmt.Sprintf("Failed getting remote image info: Failed getting image: Get %q: dial tcp: connection refused", src.Server+"/1.0/images/"+src.Fingerprint)
		}
		from, _ := v.(*Incus)
		name := src.Fingerprint
		if name == "" {
			name = src.Alias
		}
		img := from.publicImage(name)
		if img == nil {
			return "Failed getting remote image info: Failed getting image: The requested image couldn't be found"
		}
		if _, ok := m.images[img.Fingerprint]; ok {
			return "Image with same fingerprint already exists"
		}
		now := time.Now().UTC()
		img.Aliases, img.UploadedAt = nil, now
		img.Public, img.AutoUpdate = req.Public, req.AutoUpdate
		img.UpdateSource = &api.ImageSource{Server: src.Server, Protocol: src.Protocol, Alias: src.Alias, ImageType: img.Type}
		m.images[img.Fingerprint] = img
		return ""
	})
	mop.op.Metadata = map[string]any{"fingerprint": src.Fingerprint}
}

// publicImage is a copy of a public image of m by fingerprint prefix or alias.
func (m *Incus) publicImage(name string) *api.Image {
	m.mu.Lock()
	defer m.mu.Unlock()
	img := m.images[m.aliases[name]]
	if img == nil {
		img = m.findImage(name)
	}
	if img == nil || !img.Public {
		return nil
	}
	out := *img
	out.Properties = map[string]string{}
	for k, v := range img.Properties {
		out.Properties[k] = v
	}
	out.Aliases = append([]api.ImageAlias{}, img.Aliases...)
	return &out
}

// uploadImage reads the upload in the request, as incusd does (into a
// temporary file there; here only hashed and scanned, never kept), then
// registers the image in an operation. The fingerprint is the SHA-256 of
// the body (unified), or of the metadata part then the rootfs part (split).
func (m *Incus) uploadImage(w http.ResponseWriter, r *http.Request, ct string) {
	h := sha256.New()
	var (
		meta *imageMetadata
		size int64
		err  error
	)
	if ct == "application/octet-stream" {
		size, meta, err = scanTarball(r.Body, h)
	} else {
		size, meta, err = scanMultipart(r, h)
	}
	fp := hex.EncodeToString(h.Sum(nil))
	props := map[string]string{}
	if v, perr := url.ParseQuery(r.Header.Get("X-Incus-properties")); perr == nil {
		for k := range v {
			props[k] = v.Get(k)
		}
	}
	public := r.Header.Get("X-Incus-public") == "true" || r.Header.Get("X-Incus-public") == "1"
	filename := r.Header.Get("X-Incus-filename")
	m.mu.Lock()
	defer m.mu.Unlock()
	mop := m.startOperation(w, "Downloading image", map[string][]string{}, failWith(r), func() string {
		if err != nil {
			return err.Error()
		}
		if _, ok := m.images[fp]; ok {
			return "Image with same fingerprint already exists"
		}
		for k, v := range meta.Properties {
			if _, set := props[k]; !set {
				props[k] = v
			}
		}
		now := time.Now().UTC()
		typ := "container"
		if meta.vm {
			typ = "virtual-machine"
		}
		m.images[fp] = &api.Image{
			Fingerprint: fp, Architecture: meta.Architecture, Type: typ, Size: size,
			Filename: filename, CreatedAt: time.Unix(meta.CreationDate, 0).UTC(), UploadedAt: now,
			ImagePut: api.ImagePut{Public: public, Properties: props},
		}
		return ""
	})
	mop.op.Metadata = map[string]any{"fingerprint": fp, "size": size}
}

type imageMetadata struct {
	Architecture string            `yaml:"architecture"`
	CreationDate int64             `yaml:"creation_date"`
	Properties   map[string]string `yaml:"properties"`
	vm           bool
}

// scanTarball hashes a (gzip-compressed or plain) tarball into h and reads
// its metadata.yaml, streaming.
func scanTarball(body io.Reader, h io.Writer) (int64, *imageMetadata, error) {
	counter := &countingWriter{w: h}
	br := bufio.NewReader(io.TeeReader(body, counter))
	meta, err := readMetadata(br)
	// The rest of the body still counts for the fingerprint.
	_, _ = io.Copy(io.Discard, br)
	return counter.n, meta, err
}

func scanMultipart(r *http.Request, h io.Writer) (int64, *imageMetadata, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, nil, failure("Invalid multipart image")
	}
	var (
		meta      *imageMetadata
		metaErr   error
		total     int64
		sawRootfs bool
		sawMeta   bool
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, nil, failure("Invalid multipart image")
		}
		counter := &countingWriter{w: h}
		switch part.FormName() {
		case "metadata":
			sawMeta = true
			br := bufio.NewReader(io.TeeReader(part, counter))
			meta, metaErr = readMetadata(br)
			_, _ = io.Copy(io.Discard, br)
		case "rootfs", "rootfs.img":
			sawRootfs = true
			_, _ = io.Copy(counter, part)
			if part.FormName() == "rootfs.img" && meta != nil {
				meta.vm = true
			}
		default:
			return total, nil, failure("Invalid multipart image")
		}
		total += counter.n
		_ = part.Close()
	}
	if !sawMeta || !sawRootfs {
		return total, nil, failure("Invalid multipart image")
	}
	return total, meta, metaErr
}

// readMetadata finds metadata.yaml in a tarball, gzip-compressed or not;
// anything else is refused with incusd's text.
func readMetadata(br *bufio.Reader) (*imageMetadata, error) {
	head, _ := br.Peek(262)
	var tr *tar.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, failure("Unsupported compression")
		}
		tr = tar.NewReader(gz)
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		tr = tar.NewReader(br)
	default:
		return nil, failure("Unsupported compression")
	}
	for {
		hdr, err := tr.Next()
		if err != nil {
			return nil, failure("Metadata tarball is missing metadata.yaml")
		}
		if strings.TrimPrefix(hdr.Name, "./") != "metadata.yaml" {
			continue
		}
		var meta imageMetadata
		if err := yaml.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&meta); err != nil {
			return nil, failure("Could not parse metadata.yaml: " + err.Error())
		}
		if meta.CreationDate == 0 {
			return nil, failure("Missing creation date")
		}
		return &meta, nil
	}
}

// failure is an error with incusd's own words (capitalized as incusd writes them).
type failure string

func (f failure) Error() string { return string(f) }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (m *Incus) updateImage(w http.ResponseWriter, r *http.Request, patch bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fp := r.PathValue("fingerprint")
	img := m.findImage(fp)
	if img == nil {
		writeError(w, http.StatusNotFound, "Image not found")
		return
	}
	if !ifMatch(w, r, etagOf(img.Writable())) {
		return
	}
	// PUT replaces everything; PATCH keeps what the body leaves out and
	// merges the properties.
	put := api.ImagePut{}
	if patch {
		put = img.Writable()
		put.Properties = nil
	}
	if !decode(w, r, &put) {
		return
	}
	if patch {
		merged := map[string]string{}
		for k, v := range img.Properties {
			merged[k] = v
		}
		for k, v := range put.Properties {
			merged[k] = v
		}
		put.Properties = merged
	}
	if put.Properties == nil {
		put.Properties = map[string]string{}
	}
	img.ImagePut = put
	writeEmpty(w)
}

func (m *Incus) deleteImage(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fp := r.PathValue("fingerprint")
	img := m.findImage(fp)
	if img == nil {
		writeError(w, http.StatusNotFound, "Image not found")
		return
	}
	full := img.Fingerprint
	m.startOperation(w, "Deleting image", map[string][]string{"images": {"/1.0/images/" + full}}, failWith(r), func() string {
		img := m.images[full]
		if img == nil {
			return ""
		}
		for _, a := range img.Aliases {
			delete(m.aliases, a.Name)
		}
		delete(m.images, full)
		return ""
	})
}
