package mockhost

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

// The file API of an instance (GET/POST/DELETE /1.0/instances/{name}/files).
// It is a simulation: every instance has a small in-memory file system that
// starts like the busybox test image (a few directories, /bin/busybox and
// /bin/sh), and answers with incusd 6.0.4's codes and texts (checked on the
// real daemon: a missing path or parent is a bare 404 "Not Found", a file
// written over a directory or a non-empty directory removed are sftp errors
// with HTTP 500).

type mockFile struct {
	typ     string // "file", "directory" or "symlink"
	content []byte // a symlink's target
	uid     int64
	gid     int64
	mode    int
}

// mockDayTwo is what the file and exec simulations keep per instance.
type mockDayTwo struct {
	files map[string]*mockFile
	logs  map[string][]byte // recorded exec output, by file name
}

func (m *Incus) dayTwo(inst *mockInstance) *mockDayTwo {
	if inst.dayTwo == nil {
		files := map[string]*mockFile{}
		for _, d := range []string{"/", "/bin", "/dev", "/etc", "/proc", "/root", "/run", "/sbin", "/sys", "/tmp"} {
			files[d] = &mockFile{typ: "directory", mode: 0o755}
		}
		files["/bin/busybox"] = &mockFile{typ: "file", content: []byte("\x7fELF"), mode: 0o755}
		files["/bin/sh"] = &mockFile{typ: "symlink", content: []byte("busybox"), mode: 0o777}
		inst.dayTwo = &mockDayTwo{files: files, logs: map[string][]byte{}}
	}
	return inst.dayTwo
}

func (m *Incus) instanceFileRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/instances/{name}/files", m.withInstance(m.getInstanceFile))
	mux.HandleFunc("POST /1.0/instances/{name}/files", m.withInstance(m.postInstanceFile))
	mux.HandleFunc("DELETE /1.0/instances/{name}/files", m.withInstance(m.deleteInstanceFile))
}

func filePath(r *http.Request) string { return path.Clean("/" + r.URL.Query().Get("path")) }

func fileHeaders(w http.ResponseWriter, f *mockFile) {
	w.Header().Set("X-Incus-uid", strconv.FormatInt(f.uid, 10))
	w.Header().Set("X-Incus-gid", strconv.FormatInt(f.gid, 10))
	w.Header().Set("X-Incus-mode", fmt.Sprintf("%04o", f.mode))
	w.Header().Set("X-Incus-type", f.typ)
}

func (m *Incus) getInstanceFile(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	fs := m.dayTwo(inst).files
	p := filePath(r)
	f, ok := fs[p]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fileHeaders(w, f)
	if f.typ == "directory" {
		writeSync(w, dirEntries(fs, p), "")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.content)
}

func dirEntries(fs map[string]*mockFile, dir string) []string {
	out := []string{}
	for p := range fs {
		if p != "/" && p != dir && path.Dir(p) == dir {
			out = append(out, path.Base(p))
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) postInstanceFile(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	fs := m.dayTwo(inst).files
	p := filePath(r)
	typ := r.Header.Get("X-Incus-type")
	if typ == "" {
		typ = "file"
	}
	if typ != "file" && typ != "directory" && typ != "symlink" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad file type: %s", typ))
		return
	}
	if parent, ok := fs[path.Dir(p)]; !ok || parent.typ != "directory" {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	header := func(name string, def int64, base int) (int64, bool) {
		v := r.Header.Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.ParseInt(v, base, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("strconv.ParseInt: parsing %q: invalid syntax", v))
			return 0, false
		}
		return n, true
	}
	existing := fs[p]
	defMode := int64(0o644)
	switch {
	case existing != nil && existing.typ == typ:
		defMode = int64(existing.mode)
	case typ == "directory":
		defMode = 0o755
	case typ == "symlink":
		defMode = 0o777
	}
	uid, ok1 := header("X-Incus-uid", 0, 10)
	gid, ok2 := header("X-Incus-gid", 0, 10)
	mode, ok3 := header("X-Incus-mode", defMode, 8)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	switch {
	case typ == "directory" && existing != nil:
		// incusd's mkdir of an existing path succeeds and changes nothing.
	case typ == "file" && existing != nil && existing.typ == "directory":
		writeError(w, http.StatusInternalServerError, fmt.Sprintf(`sftp: "open %s: is a directory" (SSH_FX_FAILURE)`, p))
		return
	case typ == "directory":
		fs[p] = &mockFile{typ: typ, uid: uid, gid: gid, mode: int(mode)}
	default:
		if r.Header.Get("X-Incus-write") == "append" && existing != nil && typ == "file" {
			body = append(append([]byte{}, existing.content...), body...)
		}
		fs[p] = &mockFile{typ: typ, content: body, uid: uid, gid: gid, mode: int(mode)}
	}
	writeEmpty(w)
}

func (m *Incus) deleteInstanceFile(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	fs := m.dayTwo(inst).files
	p := filePath(r)
	f, ok := fs[p]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if f.typ == "directory" && len(dirEntries(fs, p)) > 0 {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf(`sftp: "remove %s: directory not empty" (SSH_FX_FAILURE)`, p))
		return
	}
	delete(fs, p)
	writeEmpty(w)
}

// InstanceFile returns the content of a file in an instance of the default
// project, for tests that change files out of band; ok is false when absent.
func (m *Incus) InstanceFile(instance, p string) (content []byte, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst, found := m.projects["default"].instances[instance]
	if !found {
		return nil, false
	}
	f, found := m.dayTwo(inst).files[p]
	if !found {
		return nil, false
	}
	return append([]byte{}, f.content...), true
}

// SetInstanceFile writes (content non-nil) or removes (nil) a file in an
// instance of the default project, as a user would out of band.
func (m *Incus) SetInstanceFile(instance, p string, content []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst, found := m.projects["default"].instances[instance]
	if !found {
		return
	}
	fs := m.dayTwo(inst).files
	if content == nil {
		delete(fs, p)
		return
	}
	fs[p] = &mockFile{typ: "file", content: content, mode: 0o644}
}

// resolveFile follows symlinks (a few levels) to a file's content.
func resolveFile(fs map[string]*mockFile, p string) (*mockFile, bool) {
	for range 8 {
		f, ok := fs[p]
		if !ok {
			return nil, false
		}
		if f.typ != "symlink" {
			return f, true
		}
		target := string(f.content)
		if !strings.HasPrefix(target, "/") {
			target = path.Join(path.Dir(p), target)
		}
		p = target
	}
	return nil, false
}
