package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Images are shared by every project of the fake.

func (m *Incus) imageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/images", m.listImages)
	mux.HandleFunc("POST /1.0/images/aliases", m.createImageAlias)
	mux.HandleFunc("GET /1.0/images/aliases/{name}", func(w http.ResponseWriter, r *http.Request) { m.getImageAlias(w, r, false) })
	mux.HandleFunc("DELETE /1.0/images/aliases/{name}", m.deleteImageAlias)
	mux.HandleFunc("GET /1.0/images/{fingerprint}", func(w http.ResponseWriter, r *http.Request) { m.getImage(w, r, false) })
	m.imageManageRoutes(mux)
}

// publicImageRoutes are what an untrusted client may read: public images
// and the aliases that point at them, as an image server shows them.
func (m *Incus) publicImageRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /1.0/images/aliases/{name}", func(w http.ResponseWriter, r *http.Request) { m.getImageAlias(w, r, true) })
	mux.HandleFunc("GET /1.0/images/{fingerprint}", func(w http.ResponseWriter, r *http.Request) { m.getImage(w, r, true) })
	return mux
}

func (m *Incus) listImages(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := []string{}
	for fp := range m.images {
		list = append(list, "/1.0/images/"+fp)
	}
	sort.Strings(list)
	if r.URL.Query().Get("recursion") != "" {
		full := []*api.Image{}
		for _, u := range list {
			full = append(full, m.images[strings.TrimPrefix(u, "/1.0/images/")])
		}
		writeSync(w, full, "")
		return
	}
	writeSync(w, list, "")
}

func (m *Incus) createImageAlias(w http.ResponseWriter, r *http.Request) {
	var req api.ImageAliasesPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	img := m.findImage(req.Target)
	if img == nil || req.Target == "" {
		writeError(w, http.StatusNotFound, "Image not found")
		return
	}
	if _, ok := m.aliases[req.Name]; ok {
		writeError(w, http.StatusConflict, fmt.Sprintf("Alias %q already exists", req.Name))
		return
	}
	m.aliases[req.Name] = img.Fingerprint
	img.Aliases = append(img.Aliases, api.ImageAlias{Name: req.Name, Description: req.Description})
	writeSync(w, nil, "")
}

func (m *Incus) deleteImageAlias(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := r.PathValue("name")
	fp, ok := m.aliases[name]
	if !ok {
		writeError(w, http.StatusNotFound, "Image alias not found")
		return
	}
	delete(m.aliases, name)
	img := m.images[fp]
	img.Aliases = removeAlias(img.Aliases, name)
	writeSync(w, nil, "")
}

func (m *Incus) getImageAlias(w http.ResponseWriter, r *http.Request, publicOnly bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := r.PathValue("name")
	fp, ok := m.aliases[name]
	img := m.images[fp]
	if !ok || img == nil || (publicOnly && !img.Public) {
		writeError(w, http.StatusNotFound, "Image alias not found")
		return
	}
	entry := api.ImageAliasesEntry{Name: name, Type: img.Type, ImageAliasesEntryPut: api.ImageAliasesEntryPut{Target: fp}}
	writeSync(w, entry, etagOf(entry))
}

func (m *Incus) getImage(w http.ResponseWriter, r *http.Request, publicOnly bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := r.PathValue("fingerprint")
	img, ambiguous := m.lookupImage(prefix)
	if ambiguous {
		// incusd answers this with a plain error (HTTP 500).
		writeError(w, http.StatusInternalServerError, "More than one image matches")
		return
	}
	if img == nil || (publicOnly && !img.Public) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Image %q not found", prefix))
		return
	}
	writeSync(w, img, etagOf(img.Writable()))
}

// findImage resolves a full or partial fingerprint (nil when none or
// several images match).
func (m *Incus) findImage(prefix string) *api.Image {
	img, _ := m.lookupImage(prefix)
	return img
}

// lookupImage resolves a full or partial fingerprint, and says when the
// prefix is ambiguous.
func (m *Incus) lookupImage(prefix string) (img *api.Image, ambiguous bool) {
	if prefix == "" {
		return nil, false
	}
	for fp, i := range m.images {
		if strings.HasPrefix(fp, prefix) {
			if img != nil {
				return nil, true
			}
			img = i
		}
	}
	return img, false
}
