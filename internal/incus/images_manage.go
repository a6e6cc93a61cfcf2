package incus

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// Managing images (rack_incus_image): create from an instance (publish), a
// local file (upload) or another remote (copy), change their properties and
// aliases, delete them. images.go resolves references for instances.

// Image is an image as the provider sees it.
type Image struct {
	Fingerprint  string
	Architecture string
	Type         string
	Description  string // the "description" property
	Size         int64
	Public       bool
	AutoUpdate   bool
	CreatedAt    time.Time
	Aliases      []string // sorted
	Properties   map[string]string
}

func imageFromAPI(i *api.Image) *Image {
	out := &Image{
		Fingerprint: i.Fingerprint, Architecture: i.Architecture, Type: i.Type,
		Description: i.Properties["description"], Size: i.Size, Public: i.Public,
		AutoUpdate: i.AutoUpdate, CreatedAt: i.CreatedAt, Properties: copyConfig(i.Properties),
		Aliases: []string{},
	}
	if out.Type == "" {
		out.Type = string(api.InstanceTypeContainer)
	}
	for _, a := range i.Aliases {
		out.Aliases = append(out.Aliases, a.Name)
	}
	sort.Strings(out.Aliases)
	return out
}

// ImageImportID is the import ID of an image: `remote:project/fingerprint`.
func ImageImportID(s Scope, fingerprint string) string { return ImportID(s, fingerprint) }

func imageManagedObject(s Scope, fingerprint string) string {
	short := fingerprint
	if len(short) > 12 {
		short = short[:12]
	}
	return fmt.Sprintf("image %q (project %q, remote %q)", short, s.Project, s.Remote)
}

// PublishSource publishes an instance (or one of its snapshots) as an image.
type PublishSource struct {
	Instance string
	Snapshot string
}

// FileSource uploads a local image: a unified tarball (DataPath alone) or a
// split image (MetadataPath with the rootfs in DataPath).
type FileSource struct {
	DataPath     string
	MetadataPath string
}

// ImageCopySource copies an image from a public image server remote.
type ImageCopySource struct {
	Remote       string
	Name         string // alias or fingerprint
	Type         string
	Architecture string
	CopyAliases  bool
}

// ImageSpec is what CreateImage makes: exactly one source.
type ImageSpec struct {
	Instance    *PublishSource
	File        *FileSource
	Copy        *ImageCopySource
	Aliases     []string
	Description *string // nil: keep what the image brings
	Public      bool
	AutoUpdate  bool
}

// FileSHA256 is the SHA-256 of a local image as incusd computes its
// fingerprint: over the metadata then the rootfs for a split image, over
// the one file for a unified one. It reads the files in a stream (constant
// memory, whatever their size).
func FileSHA256(src FileSource) (string, error) {
	h := sha256.New()
	for _, p := range []string{src.MetadataPath, src.DataPath} {
		if p == "" {
			continue
		}
		f, err := os.Open(p) //nolint:gosec // the user's own file, named in the configuration
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		_ = f.Close()
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// GetImage reads an image by fingerprint (a unique prefix is accepted and
// answered with the full fingerprint).
func (c *Client) GetImage(ctx context.Context, s Scope, fingerprint string) (*Image, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	object := imageManagedObject(s, fingerprint)
	var img *api.Image
	err = retryIdempotent(ctx, func() error {
		i, err := call(ctx, "reading", object, address, func() (*api.Image, error) {
			i, _, err := srv.GetImage(fingerprint)
			return i, err
		})
		img = i
		return err
	})
	if err != nil {
		var nfe *clienterr.NotFoundError
		if errors.As(err, &nfe) {
			nfe.Hint = imageHint(s.Remote)
		}
		return nil, ambiguousPrefix(err, object)
	}
	return imageFromAPI(img), nil
}

// ambiguousPrefix: incusd answers a fingerprint prefix that several images
// share with a plain 500 "More than one image matches".
func ambiguousPrefix(err error, object string) error {
	if err == nil || !strings.Contains(err.Error(), "More than one image matches") {
		return err
	}
	return &clienterr.ValidationError{Info: clienterr.Info{Object: object, Err: err,
		Message: "the fingerprint prefix matches more than one image; give more digits of the fingerprint"}}
}

// FindImage finds an image of scope s by alias or fingerprint (prefix), of
// the given type and architecture ("" for any), for the data source.
func (c *Client) FindImage(ctx context.Context, s Scope, name, imageType, arch string) (*Image, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	src := ImageSource{Name: name}
	byAlias := !src.IsFingerprint()
	object := imageObject(name, byAlias, s, Remote{}, true, imageType, arch)
	var img *Image
	if !byAlias {
		img, err = c.GetImage(ctx, s, name)
		if IsNotFound(err) {
			byAlias = true // a name that only looks like a fingerprint
		} else if err != nil {
			return nil, err
		}
	}
	if byAlias {
		var entry *api.ImageAliasesEntry
		err = retryIdempotent(ctx, func() error {
			e, err := call(ctx, "reading", object, address, func() (*api.ImageAliasesEntry, error) {
				e, _, err := srv.GetImageAlias(name)
				return e, err
			})
			entry = e
			return err
		})
		if err != nil {
			var nfe *clienterr.NotFoundError
			if errors.As(err, &nfe) {
				nfe.Hint = imageHint(s.Remote)
			}
			return nil, err
		}
		if img, err = c.GetImage(ctx, s, entry.Target); err != nil {
			return nil, err
		}
	}
	if imageType != "" && img.Type != imageType {
		return nil, nf(object, fmt.Sprintf("The image is a %s image, not a %s image.", img.Type, imageType))
	}
	if arch != "" && img.Architecture != arch {
		return nil, nf(object, fmt.Sprintf("The image is for architecture %s, not %s.", img.Architecture, arch))
	}
	return img, nil
}

// checkAliasesFree fails with a Conflict naming the image that holds one of
// aliases (its import ID), before anything is made.
func (c *Client) checkAliasesFree(ctx context.Context, srv incusclient.InstanceServer, s Scope, address string, aliases []string, self string) error {
	for _, a := range aliases {
		object := fmt.Sprintf("image alias %q (project %q, remote %q)", a, s.Project, s.Remote)
		entry, err := call(ctx, "reading", object, address, func() (*api.ImageAliasesEntry, error) {
			e, _, err := srv.GetImageAlias(a)
			return e, err
		})
		switch {
		case IsNotFound(err):
			continue
		case err != nil:
			return err
		case entry.Target == self:
			continue
		}
		return aliasTaken(s, a, entry.Target, nil)
	}
	return nil
}

func aliasTaken(s Scope, alias, target string, cause error) error {
	return &clienterr.ConflictError{
		Info: clienterr.Info{
			Object:  fmt.Sprintf("image alias %q (project %q, remote %q)", alias, s.Project, s.Remote),
			Status:  http.StatusConflict,
			Message: fmt.Sprintf("the alias already points at image %s", target),
			Err:     cause,
		},
		ImportID: ImageImportID(s, target),
	}
}

// createIDProperty marks a published image with a random ID until its
// properties are set: after a lost answer it finds the image that the
// publish made, which no other request would know.
const createIDProperty = "rack.create_id"

// CreateImage makes an image as spec says and gives it its aliases and
// properties. It returns the image whenever one was made, also with an
// error (a later step failed): the caller saves it (tainted), so it is never
// orphaned. An interrupt once the create is sent does not abandon it: the
// operation is waited for and the image returned.
func (c *Client) CreateImage(ctx context.Context, s Scope, spec ImageSpec) (*Image, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	if err := clienterr.BeforeMutation(ctx, spec.step(), fmt.Sprintf("image (project %q, remote %q)", s.Project, s.Remote)); err != nil {
		return nil, err
	}
	if err := c.checkAliasesFree(ctx, srv, s, address, spec.Aliases, ""); err != nil {
		return nil, err
	}
	var (
		fp       string // the fingerprint, when known before the create
		createID string
		op       api.Operation
		object   string
	)
	switch {
	case spec.Instance != nil:
		createID = randomID()
		object = fmt.Sprintf("image published from instance %q (project %q, remote %q)", spec.Instance.Instance, s.Project, s.Remote)
		req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "instance", Name: spec.Instance.Instance}}
		if spec.Instance.Snapshot != "" {
			req.Source.Type, req.Source.Name = "snapshot", spec.Instance.Instance+"/"+spec.Instance.Snapshot
			object = fmt.Sprintf("image published from snapshot %q of instance %q (project %q, remote %q)", spec.Instance.Snapshot, spec.Instance.Instance, s.Project, s.Remote)
		}
		req.Public = spec.Public
		req.Properties = map[string]string{createIDProperty: createID}
		op, err = operateOp(ctx, srv, "the publish request", object, address, func() (incusclient.Operation, error) {
			return srv.CreateImage(req, nil)
		})
		err = blamePublish(err, s, spec.Instance)
	case spec.File != nil:
		object = fmt.Sprintf("image uploaded from %q (project %q, remote %q)", spec.File.DataPath, s.Project, s.Remote)
		// incusd computes the fingerprint (the SHA-256 of the files) as it
		// receives them and says it when done; only when it cannot say (a
		// lost answer, a refusal) are the files hashed here, streamed, to
		// learn which image it is: the normal path reads them once.
		op, err = c.upload(ctx, srv, object, address, spec)
		if err != nil {
			fp, _ = FileSHA256(*spec.File)
			if oe := (*clienterr.OperationError)(nil); errors.As(err, &oe) && oe.Message == "Image with same fingerprint already exists" && fp != "" {
				return nil, &clienterr.ConflictError{Info: clienterr.Info{Object: imageManagedObject(s, fp), Status: http.StatusConflict,
					Message: fmt.Sprintf("an image with the same fingerprint already exists (operation %s: %s)", oe.OperationID, oe.Message), Err: err},
					ImportID: ImageImportID(s, fp)}
			}
		}
	case spec.Copy != nil:
		object = fmt.Sprintf("image %q copied from remote %q (project %q, remote %q)", spec.Copy.Name, spec.Copy.Remote, s.Project, s.Remote)
		var req api.ImagesPost
		req, fp, err = c.copyRequest(ctx, s, *spec.Copy, spec.AutoUpdate)
		if err != nil {
			return nil, err
		}
		if e := c.existingFingerprint(ctx, srv, s, address, fp); e != nil {
			return nil, e
		}
		req.Public = spec.Public
		op, err = operateOp(ctx, srv, "the copy request", object, address, func() (incusclient.Operation, error) {
			return srv.CreateImage(req, nil)
		})
	default:
		return nil, &clienterr.ValidationError{Info: clienterr.Info{Object: "image", Message: "no source given"}}
	}
	if got, ok := op.Metadata["fingerprint"].(string); ok && got != "" && err == nil {
		fp = got
	}
	// What exists now, on a context the interrupt does not cancel: once
	// incusd accepted the create, the image is finished (properties,
	// aliases) and returned whatever happens to ctx, so state knows it.
	readCtx, cancel := clienterr.Detach(ctx)
	defer cancel()
	if err != nil {
		if !clienterr.OutcomeUnknown(err) {
			return nil, err
		}
		// The answer was lost, or the wait timed out: find the image the
		// create may have made, on a context of its own (ctx's deadline
		// may be past).
		lookCtx, lookCancel := context.WithTimeout(context.WithoutCancel(ctx), lostAnswerLookup)
		defer lookCancel()
		if fp == "" && createID != "" {
			fp = c.imageByProperty(lookCtx, srv, s, address, createIDProperty, createID)
		}
		if fp == "" {
			return nil, err
		}
		gerr := retryUntilAnswered(lookCtx, func() error {
			_, err := c.GetImage(lookCtx, s, fp)
			return err
		})
		if gerr != nil {
			// Not there (yet): the operation may still make it. State
			// records the fingerprint (the resource is tainted), and the
			// next refresh keeps it or drops it as the host says.
			return &Image{Fingerprint: fp, Aliases: []string{}}, err
		}
		readCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lostAnswerLookup)
		defer cancel()
	}
	if fp == "" {
		return nil, &clienterr.OperationError{Info: clienterr.Info{Object: object, Message: "the operation succeeded but did not say which image it made"},
			OperationID: op.ID, Description: op.Description, OpStatus: op.Status}
	}
	img, err := c.GetImage(readCtx, s, fp)
	if err != nil {
		return &Image{Fingerprint: fp, Aliases: []string{}}, err
	}
	if err := c.finishImage(readCtx, s, img, spec); err != nil {
		if again, gerr := c.GetImage(readCtx, s, fp); gerr == nil {
			img = again
		}
		return img, err
	}
	if again, gerr := c.GetImage(readCtx, s, fp); gerr == nil {
		img = again
	}
	return img, nil
}

// lostAnswerLookup bounds the search for an image whose create lost its answer.
const lostAnswerLookup = 30 * time.Second

// step names the request that starts the create.
func (spec ImageSpec) step() string {
	switch {
	case spec.Instance != nil:
		return "the publish request"
	case spec.File != nil:
		return "the upload"
	}
	return "the copy request"
}

// finishImage sets the properties and aliases a new image gets after its create.
func (c *Client) finishImage(ctx context.Context, s Scope, img *Image, spec ImageSpec) error {
	if err := c.UpdateImage(ctx, s, img.Fingerprint, spec.Description, spec.Public, spec.AutoUpdate); err != nil {
		return err
	}
	want := append([]string{}, spec.Aliases...)
	if spec.Copy != nil && spec.Copy.CopyAliases {
		if extra, err := c.sourceAliases(ctx, *spec.Copy, img.Fingerprint); err == nil {
			want = append(want, extra...)
		}
	}
	return c.SetImageAliases(ctx, s, img.Fingerprint, img.Aliases, want)
}

// existingFingerprint refuses to make an image the project already has (incusd
// would fail the operation with "Image with same fingerprint already exists").
func (c *Client) existingFingerprint(ctx context.Context, srv incusclient.InstanceServer, s Scope, address, fp string) error {
	_, err := call(ctx, "reading", imageManagedObject(s, fp), address, func() (*api.Image, error) {
		i, _, err := srv.GetImage(fp)
		return i, err
	})
	switch {
	case err == nil:
		return &clienterr.ConflictError{Info: clienterr.Info{Object: imageManagedObject(s, fp), Status: http.StatusConflict,
			Message: "an image with the same fingerprint already exists"}, ImportID: ImageImportID(s, fp)}
	case IsNotFound(err):
		return nil
	}
	return err
}

func (c *Client) imageByProperty(ctx context.Context, srv incusclient.InstanceServer, s Scope, address, key, value string) string {
	var images []api.Image
	_ = retryUntilAnswered(ctx, func() error {
		list, err := call(ctx, "listing the images of", fmt.Sprintf("project %q", s.Project), address, srv.GetImages)
		images = list
		return err
	})
	for _, i := range images {
		if i.Properties[key] == value {
			return i.Fingerprint
		}
	}
	return ""
}

// upload streams a local image to the server: the files go to the request
// body as they are read (never whole in memory), through the official
// client's ImageCreateArgs readers.
func (c *Client) upload(ctx context.Context, srv incusclient.InstanceServer, object, address string, spec ImageSpec) (api.Operation, error) {
	data, err := os.Open(spec.File.DataPath)
	if err != nil {
		return api.Operation{}, &clienterr.ValidationError{Info: clienterr.Info{Object: object, Message: err.Error(), Err: err}}
	}
	defer func() { _ = data.Close() }()
	args := &incusclient.ImageCreateArgs{MetaFile: data, MetaName: filepath.Base(spec.File.DataPath)}
	if spec.File.MetadataPath != "" {
		meta, err := os.Open(spec.File.MetadataPath)
		if err != nil {
			return api.Operation{}, &clienterr.ValidationError{Info: clienterr.Info{Object: object, Message: err.Error(), Err: err}}
		}
		defer func() { _ = meta.Close() }()
		args = &incusclient.ImageCreateArgs{MetaFile: meta, MetaName: filepath.Base(spec.File.MetadataPath),
			RootfsFile: data, RootfsName: filepath.Base(spec.File.DataPath)}
	}
	req := api.ImagesPost{Filename: filepath.Base(spec.File.DataPath)}
	req.Public = spec.Public
	return operateOp(ctx, srv, "the upload", object, address, func() (incusclient.Operation, error) {
		return srv.CreateImage(req, args)
	})
}

// copyRequest resolves the source image on its remote (a public image
// server) and builds the pull request; fp is the image's fingerprint.
func (c *Client) copyRequest(ctx context.Context, s Scope, src ImageCopySource, autoUpdate bool) (api.ImagesPost, string, error) {
	r, err := c.Remote(src.Remote)
	if err != nil {
		return api.ImagesPost{}, "", err
	}
	if r.Name == s.Remote || (!r.Public && r.Protocol != "simplestreams") {
		return api.ImagesPost{}, "", &clienterr.ValidationError{Info: clienterr.Info{
			Object:  fmt.Sprintf("image %q (remote %q)", src.Name, src.Remote),
			Message: fmt.Sprintf("images are copied from a public image server remote; remote %q is not one", src.Remote),
		}}
	}
	fp, err := c.ResolveImage(ctx, s, ImageSource{Remote: src.Remote, Name: src.Name}, src.Type, src.Architecture)
	if err != nil {
		return api.ImagesPost{}, "", err
	}
	protocol := r.Protocol
	if protocol == "" {
		protocol = "incus"
	}
	req := api.ImagesPost{Source: &api.ImagesPostSource{
		ImageSource: api.ImageSource{Server: r.Address, Protocol: protocol, Certificate: r.ServerCert, ImageType: src.Type},
		Type:        "image", Mode: "pull", Fingerprint: fp,
	}}
	req.AutoUpdate = autoUpdate
	return req, fp, nil
}

// sourceAliases are the aliases the source image has on its image server.
func (c *Client) sourceAliases(ctx context.Context, src ImageCopySource, fp string) ([]string, error) {
	r, err := c.Remote(src.Remote)
	if err != nil {
		return nil, err
	}
	conn := c.imageServer(r)
	if conn.err != nil {
		return nil, conn.err
	}
	img, err := call(ctx, "reading", fmt.Sprintf("image %q (remote %q)", fp, r.Name), r.Address, locked(&conn.mu, func() (*api.Image, error) {
		i, _, err := conn.server.GetImage(fp)
		return i, err
	}))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range img.Aliases {
		out = append(out, a.Name)
	}
	return out, nil
}

// UpdateImage sets what can change in place: the description property
// (nil leaves it),
// public and auto_update (with the ETag, keeping the other properties, and
// dropping the create marker).
func (c *Client) UpdateImage(ctx context.Context, s Scope, fp string, description *string, public, autoUpdate bool) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := imageManagedObject(s, fp)
	type got struct {
		img  *api.Image
		etag string
	}
	// Reading is no change: after an interrupt it still runs, and mutate
	// below refuses to start the update.
	readCtx, cancel := clienterr.Detach(ctx)
	defer cancel()
	g, err := call(readCtx, "reading", object, address, func() (got, error) {
		i, etag, err := srv.GetImage(fp)
		return got{i, etag}, err
	})
	if err != nil {
		return err
	}
	put := g.img.Writable()
	put.Properties = copyConfig(put.Properties)
	_, marked := put.Properties[createIDProperty]
	sameDescription := description == nil || put.Properties["description"] == *description
	if sameDescription && put.Public == public && put.AutoUpdate == autoUpdate && !marked {
		return nil
	}
	delete(put.Properties, createIDProperty)
	switch {
	case description == nil:
	case *description == "":
		delete(put.Properties, "description")
	default:
		put.Properties["description"] = *description
	}
	put.Public, put.AutoUpdate = public, autoUpdate
	return mutate(ctx, "the update request", object, address, func() error {
		return srv.UpdateImage(g.img.Fingerprint, put, g.etag)
	})
}

// SetImageAliases makes the image's aliases want, from have: it adds the
// missing ones and removes the others. An alias another image holds is a
// Conflict naming that image.
func (c *Client) SetImageAliases(ctx context.Context, s Scope, fp string, have, want []string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, a := range want {
		wanted[a] = true
	}
	had := map[string]bool{}
	for _, a := range have {
		had[a] = true
		if wanted[a] {
			continue
		}
		object := fmt.Sprintf("image alias %q (project %q, remote %q)", a, s.Project, s.Remote)
		err := mutate(ctx, "the delete request", object, address, func() error { return srv.DeleteImageAlias(a) })
		if err != nil && !IsNotFound(err) {
			return err
		}
	}
	for _, a := range sortedCopy(want) {
		if had[a] {
			continue
		}
		object := fmt.Sprintf("image alias %q (project %q, remote %q)", a, s.Project, s.Remote)
		req := api.ImageAliasesPost{}
		req.Name, req.Target = a, fp
		err := mutate(ctx, "the alias create request", object, address, func() error { return srv.CreateImageAlias(req) })
		var ce *clienterr.ConflictError
		if errors.As(err, &ce) || (err != nil && takenTexts.MatchString(err.Error())) {
			target := ""
			if e, _, gerr := srv.GetImageAlias(a); gerr == nil {
				target = e.Target
			}
			if target == fp {
				continue
			}
			return aliasTaken(s, a, target, err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteImage deletes an image and waits for the operation. A gone image
// is not an error.
func (c *Client) DeleteImage(ctx context.Context, s Scope, fp string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the delete request", imageManagedObject(s, fp), address, func() (incusclient.Operation, error) {
		return srv.DeleteImage(fp)
	})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// operateOp is operate returning the final operation (whose metadata holds
// what the operation made, such as an image's fingerprint).
func operateOp(ctx context.Context, srv incusclient.InstanceServer, what, object, address string, send func() (incusclient.Operation, error)) (api.Operation, error) {
	if err := clienterr.BeforeMutation(ctx, what, object); err != nil {
		return api.Operation{}, err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	op, err := call(ctx, what+" of", object, address, send)
	if err != nil {
		return api.Operation{}, err
	}
	return waitOperation(ctx, srv, op.Get(), object, address)
}

// publishMissing is incusd's failure of a publish whose instance does not exist.
var publishMissing = regexp.MustCompile(`^Failed to fetch instance "([^"]+)" in project "([^"]*)": Instance not found$`)

// blamePublish names the instance when the publish failed because it is
// missing, keeping the operation's ID.
func blamePublish(err error, s Scope, src *PublishSource) error {
	var oe *clienterr.OperationError
	if !errors.As(err, &oe) {
		return err
	}
	m := publishMissing.FindStringSubmatch(oe.Message)
	if m == nil {
		return err
	}
	return &clienterr.NotFoundError{Info: clienterr.Info{
		Object:  fmt.Sprintf("instance %q (project %q, remote %q)", src.Instance, s.Project, s.Remote),
		Message: fmt.Sprintf("operation %s (%s) failed: %s", oe.OperationID, oe.Description, oe.Message),
		Hint:    fmt.Sprintf("Create the instance first or correct source_instance.name; `incus list %s: --project %s` lists the instances.", s.Remote, s.Project),
		Err:     err,
	}}
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
