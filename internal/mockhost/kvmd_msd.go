package mockhost

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// The fake's MSD (virtual media). Uploaded bytes are hashed and counted, not
// kept, so multi-GiB uploads cost no memory.

func (k *KVMD) msdBusy() bool {
	return k.msd.uploading != nil || time.Now().Before(k.msd.busyUntil)
}

func (k *KVMD) msdGet(w http.ResponseWriter) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.opts.MSDDisabled {
		kvmdOK(w, map[string]any{"enabled": false, "online": false, "busy": false, "storage": nil, "drive": nil})
		return
	}
	online := !k.opts.MSDOffline
	var drive, storage any
	if online {
		var image any
		if img, ok := k.msd.images[k.msd.selected]; ok && k.msd.selected != "" {
			image = map[string]any{"name": k.msd.selected, "in_storage": true, "complete": img.complete,
				"removable": true, "writable": imageWritable(k.msd.selected), "size": img.size, "mod_ts": img.modTS}
		}
		drive = map[string]any{"image": image, "connected": k.msd.connected, "cdrom": k.msd.cdrom, "rw": k.msd.rw}
		images := map[string]any{}
		var used int64
		for name, img := range k.msd.images {
			used += img.size
			images[name] = map[string]any{"complete": img.complete, "removable": true,
				"writable": imageWritable(name), "size": img.size, "mod_ts": img.modTS}
		}
		var uploading any
		if u := k.msd.uploading; u != nil {
			uploading = map[string]any{"name": u.name, "size": u.size, "written": u.written}
		}
		storage = map[string]any{
			"images":      images,
			"parts":       map[string]any{"": map[string]any{"size": k.opts.MSDCapacity, "free": k.opts.MSDCapacity - used, "writable": true}},
			"downloading": nil,
			"uploading":   uploading,
		}
	}
	kvmdOK(w, map[string]any{"enabled": true, "online": online, "busy": k.msdBusy(), "drive": drive, "storage": storage})
}

// imageWritable: kvmd never lets an .iso be written to.
func imageWritable(name string) bool { return !strings.HasSuffix(strings.ToLower(name), ".iso") }

// msdPrecheck answers the errors every MSD change shares; ok false means
// an error was written.
func (k *KVMD) msdPrecheck(w http.ResponseWriter, needDisconnected bool) bool {
	switch {
	case k.opts.MSDDisabled:
		kvmdError(w, http.StatusBadRequest, "MsdDisabledError", "MSD is disabled")
	case k.opts.MSDOffline:
		kvmdError(w, http.StatusBadRequest, "MsdOfflineError", "MSD is not found")
	case k.msdBusy():
		kvmdError(w, http.StatusConflict, "MsdIsBusyError", "Performing another MSD operation, please try again later")
	case needDisconnected && k.msd.connected:
		kvmdError(w, http.StatusBadRequest, "MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation")
	default:
		return true
	}
	return false
}

func (k *KVMD) msdWrite(w http.ResponseWriter, r *http.Request) {
	name := sanitizeImageName(r.URL.Query().Get("image"))
	removeIncomplete, _ := kvmdBool(r.URL.Query().Get("remove_incomplete"))
	k.mu.Lock()
	if !k.msdPrecheck(w, true) {
		k.mu.Unlock()
		return
	}
	if name == "" {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument is not a valid image name")
		return
	}
	if r.ContentLength < 0 || r.Header.Get("Content-Length") == "" {
		k.mu.Unlock()
		// kvmd validates the missing Content-Length (None) as the size;
		// "Content-Length: 0" is a valid, empty image.
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "None argument is not a valid int")
		return
	}
	if _, exists := k.msd.images[name]; exists {
		k.mu.Unlock()
		kvmdError(w, http.StatusBadRequest, "MsdImageExistsError", "This image is already exists")
		return
	}
	upload := &msdUpload{name: name, size: r.ContentLength}
	img := &msdImage{size: r.ContentLength}
	k.msd.uploading = upload
	k.msd.images[name] = img
	k.mu.Unlock()

	hash := sha256.New()
	buf := make([]byte, 1<<20)
	var written int64
	var readErr error
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			hash.Write(buf[:n])
			written += int64(n)
			k.mu.Lock()
			upload.written = written
			k.mu.Unlock()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
	}

	k.mu.Lock()
	defer k.mu.Unlock()
	k.msd.uploading = nil
	k.msd.busyUntil = time.Now().Add(200 * time.Millisecond) // kvmd syncs and remounts after a write
	img.modTS = float64(time.Now().UnixNano()) / 1e9
	if readErr != nil || written != r.ContentLength {
		if removeIncomplete {
			delete(k.msd.images, name)
		}
		return // the client is gone: nobody reads an answer
	}
	img.complete = true
	img.sha256 = hex.EncodeToString(hash.Sum(nil))
	kvmdOK(w, map[string]any{"image": map[string]any{"name": name, "size": written, "written": written}})
}

// sanitizeImageName keeps a plain file name, as kvmd does with what it is sent.
func sanitizeImageName(name string) string {
	name = strings.TrimSpace(path.Base("/" + name))
	if name == "/" || name == "." || name == ".." {
		return ""
	}
	return name
}

func (k *KVMD) msdSetParams(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.msdPrecheck(w, true) {
		return
	}
	selected, cdrom, rw := k.msd.selected, k.msd.cdrom, k.msd.rw
	if q.Has("image") {
		name := q.Get("image")
		if name != "" {
			if _, ok := k.msd.images[name]; !ok {
				kvmdError(w, http.StatusBadRequest, "MsdUnknownImageError", "The image is not found in the storage")
				return
			}
		}
		selected = name
	}
	for key, dst := range map[string]*bool{"cdrom": &cdrom, "rw": &rw} {
		if q.Has(key) {
			b, ok := kvmdBool(q.Get(key))
			if !ok {
				kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument '"+q.Get(key)+"' is not a valid boolean")
				return
			}
			*dst = b
		}
	}
	if cdrom || (selected != "" && !imageWritable(selected)) {
		rw = false // kvmd forces read-only for a CD-ROM and for images that cannot be written
	}
	k.msd.selected, k.msd.cdrom, k.msd.rw = selected, cdrom, rw
	kvmdOK(w, map[string]any{})
}

func (k *KVMD) msdSetConnected(w http.ResponseWriter, r *http.Request) {
	connected, ok := kvmdBool(r.URL.Query().Get("connected"))
	if !ok {
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument is not a valid boolean")
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.msdPrecheck(w, false) {
		return
	}
	switch {
	case connected && k.msd.connected:
		kvmdError(w, http.StatusBadRequest, "MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation")
	case !connected && !k.msd.connected:
		kvmdError(w, http.StatusBadRequest, "MsdDisconnectedError", "MSD is disconnected from Server, but should be for this operation")
	case connected && k.msd.selected == "":
		kvmdError(w, http.StatusBadRequest, "MsdImageNotSelected", "The image is not selected")
	default:
		k.msd.connected = connected
		k.msd.busyUntil = time.Now().Add(100 * time.Millisecond)
		kvmdOK(w, map[string]any{})
	}
}

func (k *KVMD) msdRemove(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("image")
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.msdPrecheck(w, true) {
		return
	}
	if _, ok := k.msd.images[name]; !ok {
		kvmdError(w, http.StatusBadRequest, "MsdUnknownImageError", "The image is not found in the storage")
		return
	}
	delete(k.msd.images, name)
	if k.msd.selected == name {
		k.msd.selected = ""
	}
	kvmdOK(w, map[string]any{})
}

func (k *KVMD) msdReset(w http.ResponseWriter) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.msdPrecheck(w, false) {
		return
	}
	k.msd.selected, k.msd.connected, k.msd.cdrom, k.msd.rw = "", false, true, false
	kvmdOK(w, map[string]any{})
}

// ImageNames lists the images in storage, sorted.
func (k *KVMD) ImageNames() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	names := make([]string, 0, len(k.msd.images))
	for n := range k.msd.images {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
