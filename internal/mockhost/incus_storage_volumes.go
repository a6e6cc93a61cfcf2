package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// mockVolume is a custom storage volume with its snapshots.
type mockVolume struct {
	api.StorageVolume
	snapshots map[string]*api.StorageVolumeSnapshot
}

// volumeKeys are the custom volume config keys incusd 6.0 takes on every
// driver (besides user.*).
var volumeKeys = map[string]bool{"size": true, "snapshots.expiry": true, "snapshots.schedule": true,
	"snapshots.pattern": true, "security.shifted": true, "security.unmapped": true, "security.shared": true,
	"initial.uid": true, "initial.gid": true, "initial.mode": true}

var volumeTypes = map[string]bool{"custom": true, "container": true, "virtual-machine": true, "image": true}

// volumeProjectOf is the project holding the volumes (and buckets) that p
// uses: its own with features.storage.volumes, else the default project's.
func (m *Incus) volumeProjectOf(p *mockProject) *mockProject {
	if p.feature("features.storage.volumes") {
		return p
	}
	return m.projects["default"]
}

func (m *Incus) storageVolumeRoutes(mux *http.ServeMux) {
	const vols = "/1.0/storage-pools/{pool}/volumes"
	const vol = vols + "/{type}/{name}"
	mux.HandleFunc("GET "+vols, m.withVolumes(m.listVolumes))
	mux.HandleFunc("GET "+vols+"/{type}", m.withVolumes(m.listVolumes))
	mux.HandleFunc("POST "+vols, m.withVolumes(m.createVolume))
	mux.HandleFunc("POST "+vols+"/{type}", m.withVolumes(m.createVolume))
	mux.HandleFunc("GET "+vol, m.withVolume(m.getVolume))
	mux.HandleFunc("PUT "+vol, m.withVolume(m.updateVolume))
	mux.HandleFunc("PATCH "+vol, m.withVolume(m.updateVolume))
	mux.HandleFunc("POST "+vol, m.withVolume(m.renameVolume))
	mux.HandleFunc("DELETE "+vol, m.withVolume(m.deleteVolume))
	mux.HandleFunc("GET "+vol+"/snapshots", m.withVolume(m.listVolumeSnapshots))
	mux.HandleFunc("POST "+vol+"/snapshots", m.withVolume(m.createVolumeSnapshot))
	mux.HandleFunc("GET "+vol+"/snapshots/{snapshot}", m.withSnapshot(m.getVolumeSnapshot))
	mux.HandleFunc("PUT "+vol+"/snapshots/{snapshot}", m.withSnapshot(m.updateVolumeSnapshot))
	mux.HandleFunc("PATCH "+vol+"/snapshots/{snapshot}", m.withSnapshot(m.updateVolumeSnapshot))
	mux.HandleFunc("POST "+vol+"/snapshots/{snapshot}", m.withSnapshot(m.renameVolumeSnapshot))
	mux.HandleFunc("DELETE "+vol+"/snapshots/{snapshot}", m.withSnapshot(m.deleteVolumeSnapshot))
}

// volumeScope is what a volume request is about.
type volumeScope struct {
	pool    *mockPool
	project *mockProject // the project holding the volumes
}

func (s volumeScope) volumes() map[string]*mockVolume {
	vols := s.pool.volumes[s.project.name]
	if vols == nil {
		vols = map[string]*mockVolume{}
		s.pool.volumes[s.project.name] = vols
	}
	return vols
}

// withVolumes resolves the project, pool and volume type of a request with
// m.mu held, writing incusd's errors for what is missing or wrong.
func (m *Incus) withVolumes(h func(http.ResponseWriter, *http.Request, volumeScope)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		name := projectParam(r)
		p, ok := m.projects[name]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load project %q: Project not found", name))
			return
		}
		if t := r.PathValue("type"); t != "" && !volumeTypes[t] {
			writeError(w, http.StatusBadRequest, "Invalid storage volume type name")
			return
		}
		pool := m.pools[r.PathValue("pool")]
		if pool == nil {
			writeError(w, http.StatusNotFound, "Storage pool not found")
			return
		}
		if !m.targetOK(w, r) {
			return
		}
		h(w, r, volumeScope{pool: pool, project: m.volumeProjectOf(p)})
	}
}

// withVolume adds the volume of the path (custom volumes only: the fake
// keeps no instance volumes).
func (m *Incus) withVolume(h func(http.ResponseWriter, *http.Request, volumeScope, *mockVolume)) http.HandlerFunc {
	return m.withVolumes(func(w http.ResponseWriter, r *http.Request, s volumeScope) {
		vol := s.volumes()[r.PathValue("name")]
		if vol == nil || r.PathValue("type") != "custom" {
			writeError(w, http.StatusNotFound, "Storage pool volume not found")
			return
		}
		h(w, r, s, vol)
	})
}

func volumeURL(pool, name string) string {
	return "/1.0/storage-pools/" + pool + "/volumes/custom/" + name
}

// volumeUsers lists the instances and profiles whose disks name a volume:
// those of every project that keeps its volumes in the volume's project.
func (m *Incus) volumeUsers(s volumeScope, name string) (instances []*mockInstance, profiles []*api.Profile, urls []string) {
	urls = []string{}
	uses := func(devices map[string]map[string]string) bool {
		for _, d := range devices {
			if d["type"] == "disk" && d["pool"] == s.pool.Name && d["source"] == name {
				return true
			}
		}
		return false
	}
	seen := map[*api.Profile]bool{}
	for _, p := range m.projects {
		if m.volumeProjectOf(p) != s.project {
			continue
		}
		for _, inst := range p.instances {
			if uses(inst.Devices) || uses(m.expandDevices(p, inst.Profiles, nil)) {
				instances = append(instances, inst)
				urls = append(urls, withProject("/1.0/instances/"+inst.Name, p.name))
			}
		}
		owner := m.profilesOf(p)
		for _, prof := range owner.profiles {
			if !seen[prof] && uses(prof.Devices) {
				seen[prof] = true
				profiles = append(profiles, prof)
				urls = append(urls, withProject("/1.0/profiles/"+prof.Name, owner.name))
			}
		}
	}
	sort.Strings(urls)
	return instances, profiles, urls
}

func (m *Incus) volumeView(s volumeScope, vol *mockVolume) api.StorageVolume {
	out := vol.StorageVolume
	out.Config = copyMap(vol.Config)
	_, _, out.UsedBy = m.volumeUsers(s, vol.Name)
	return out
}

func (m *Incus) listVolumes(w http.ResponseWriter, r *http.Request, s volumeScope) {
	vols := s.volumes()
	names := make([]string, 0, len(vols))
	if t := r.PathValue("type"); t == "" || t == "custom" {
		for n := range vols {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.StorageVolume, 0, len(names))
		for _, n := range names {
			list = append(list, m.volumeView(s, vols[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, volumeURL(s.pool.Name, n))
	}
	writeSync(w, urls, "")
}

// validateVolumeConfig is incusd's answer (500) to a key a volume does not
// take; label is the volume as incusd names it there.
func validateVolumeConfig(label, contentType string, cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		ok := volumeKeys[k] || strings.HasPrefix(k, "user.")
		if contentType == "block" && strings.HasPrefix(k, "security.") {
			ok = false
		}
		if !ok {
			return fmt.Sprintf("Invalid option for volume %q option %q", label, k)
		}
	}
	return ""
}

func (m *Incus) createVolume(w http.ResponseWriter, r *http.Request, s volumeScope) {
	var req api.StorageVolumesPost
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Name == "":
		writeError(w, http.StatusBadRequest, "No name provided")
		return
	case strings.Contains(req.Name, "/"):
		writeError(w, http.StatusBadRequest, "Storage volume names may not contain slashes")
		return
	}
	if t := r.PathValue("type"); t != "" {
		req.Type = t // the path's type wins over the body's
	}
	if req.Type != "custom" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Currently not allowed to create storage volumes of type %q", req.Type))
		return
	}
	switch req.ContentType {
	case "":
		req.ContentType = "filesystem"
	case "filesystem", "block", "iso":
	default:
		writeError(w, http.StatusBadRequest, "Invalid volume content type name")
		return
	}
	if s.volumes()[req.Name] != nil {
		writeError(w, http.StatusConflict, "Volume by that name already exists")
		return
	}
	if req.Source.Type == "copy" {
		m.copyVolume(w, r, s, req)
		return
	}
	if req.Source.Type != "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the mock host cannot create a volume from source type %q", req.Source.Type))
		return
	}
	cfg := copyMap(req.Config)
	for k, v := range s.pool.Config {
		if key, ok := strings.CutPrefix(k, "volume."); ok {
			if _, set := cfg[key]; !set {
				cfg[key] = v
			}
		}
	}
	if msg := validateVolumeConfig(req.Name, req.ContentType, cfg); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if req.ContentType == "iso" && cfg["size"] == "" {
		writeError(w, http.StatusInternalServerError, "Size cannot be zero")
		return
	}
	s.volumes()[req.Name] = m.newVolume(s, req.Name, req.ContentType, req.Description, cfg)
	writeSync(w, map[string]any{}, "") // incusd: 200, not 201, and no Location
}

func (m *Incus) newVolume(s volumeScope, name, contentType, description string, cfg map[string]string) *mockVolume {
	return &mockVolume{StorageVolume: api.StorageVolume{
		Name: name, Type: "custom", ContentType: contentType, Location: "none", Project: s.project.name,
		CreatedAt:        time.Now().UTC(),
		StorageVolumePut: api.StorageVolumePut{Description: description, Config: cfg},
	}, snapshots: map[string]*api.StorageVolumeSnapshot{}}
}

// copyVolume is a create from another volume: an operation, which fails
// when the source pool or volume is missing.
func (m *Incus) copyVolume(w http.ResponseWriter, r *http.Request, s volumeScope, req api.StorageVolumesPost) {
	m.startOperation(w, "Copying storage volume", map[string][]string{}, failWith(r), func() string {
		src := m.pools[req.Source.Pool]
		if src == nil {
			return "Storage pool not found"
		}
		srcProject := s.project
		if req.Source.Project != "" {
			p, ok := m.projects[req.Source.Project]
			if !ok {
				return "Project not found"
			}
			srcProject = m.volumeProjectOf(p)
		}
		from := src.volumes[srcProject.name][req.Source.Name]
		if from == nil {
			return fmt.Sprintf("Failed generating volume copy config: Storage volume %q in project %q of type \"custom\" does not exist on pool %q: Storage volume not found", req.Source.Name, srcProject.name, src.Name)
		}
		if s.volumes()[req.Name] != nil {
			return "Volume by that name already exists"
		}
		cfg := copyMap(from.Config)
		for k, v := range req.Config {
			cfg[k] = v
		}
		// incusd checks the copy's config in the copy operation: a bad key
		// fails it, and no volume is made.
		if msg := validateVolumeConfig(req.Name, from.ContentType, cfg); msg != "" {
			return msg
		}
		desc := req.Description
		if desc == "" {
			desc = from.Description
		}
		vol := m.newVolume(s, req.Name, from.ContentType, desc, cfg)
		if !req.Source.VolumeOnly {
			for n, snap := range from.snapshots {
				c := *snap
				c.Config = copyMap(snap.Config)
				vol.snapshots[n] = &c
			}
		}
		s.volumes()[req.Name] = vol
		return ""
	})
}

func (m *Incus) getVolume(w http.ResponseWriter, _ *http.Request, s volumeScope, vol *mockVolume) {
	writeSync(w, m.volumeView(s, vol), etagOf(vol.Writable()))
}

// updateVolume is PUT and PATCH; as in incusd a PATCH merges config but
// takes the description as sent.
func (m *Incus) updateVolume(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume) {
	var req api.StorageVolumePut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(vol.Writable())) {
		return
	}
	cfg := req.Config
	if r.Method == http.MethodPatch {
		cfg = copyMap(vol.Config)
		for k, v := range req.Config {
			cfg[k] = v
		}
	}
	if msg := validateVolumeConfig(s.project.name+"_"+vol.Name, vol.ContentType, cfg); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	vol.Config = copyMap(cfg)
	vol.Description = req.Description
	writeEmpty(w)
}

// renameVolume renames a volume in its pool (synchronous) or moves it to
// another pool (an operation); disks that name it follow it, as in incusd.
func (m *Incus) renameVolume(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume) {
	var req api.StorageVolumePost
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" {
		req.Name = vol.Name
	}
	if strings.Contains(req.Name, "/") {
		writeError(w, http.StatusBadRequest, "Storage volume names may not contain slashes")
		return
	}
	target := s
	if req.Pool != "" && req.Pool != s.pool.Name {
		target.pool = m.pools[req.Pool]
		if target.pool == nil {
			writeError(w, http.StatusNotFound, "Storage pool not found")
			return
		}
	}
	if target.volumes()[req.Name] != nil {
		writeError(w, http.StatusConflict, "Volume by that name already exists")
		return
	}
	move := func() {
		instances, profiles, _ := m.volumeUsers(s, vol.Name)
		follow := func(devices map[string]map[string]string) {
			for _, d := range devices {
				if d["type"] == "disk" && d["pool"] == s.pool.Name && d["source"] == vol.Name {
					d["pool"], d["source"] = target.pool.Name, req.Name
				}
			}
		}
		for _, inst := range instances {
			follow(inst.Devices)
		}
		for _, prof := range profiles {
			follow(prof.Devices)
		}
		delete(s.volumes(), vol.Name)
		vol.Name = req.Name
		target.volumes()[req.Name] = vol
	}
	if target.pool == s.pool {
		move()
		writeCreated(w, volumeURL(s.pool.Name, req.Name), nil)
		return
	}
	m.startOperation(w, "Moving storage volume", map[string][]string{}, failWith(r), func() string {
		if target.volumes()[req.Name] != nil {
			return "Volume by that name already exists"
		}
		move()
		vol.CreatedAt = time.Now().UTC()
		return ""
	})
}

func (m *Incus) deleteVolume(w http.ResponseWriter, _ *http.Request, s volumeScope, vol *mockVolume) {
	if _, _, users := m.volumeUsers(s, vol.Name); len(users) > 0 {
		writeError(w, http.StatusBadRequest, "The storage volume is still in use")
		return
	}
	delete(s.volumes(), vol.Name)
	writeEmpty(w)
}

// Snapshots.

func (m *Incus) withSnapshot(h func(http.ResponseWriter, *http.Request, volumeScope, *mockVolume, *api.StorageVolumeSnapshot)) http.HandlerFunc {
	return m.withVolume(func(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume) {
		snap := vol.snapshots[r.PathValue("snapshot")]
		if snap == nil {
			writeError(w, http.StatusNotFound, "Storage pool volume not found")
			return
		}
		h(w, r, s, vol, snap)
	})
}

func snapshotURL(pool, vol, snap string) string {
	return volumeURL(pool, vol) + "/snapshots/" + snap
}

func (m *Incus) listVolumeSnapshots(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume) {
	names := make([]string, 0, len(vol.snapshots))
	for n := range vol.snapshots {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		// incusd's list names each "volume/snapshot" and leaves content_type empty.
		list := make([]api.StorageVolumeSnapshot, 0, len(names))
		for _, n := range names {
			snap := *vol.snapshots[n]
			snap.Name, snap.ContentType = vol.Name+"/"+n, ""
			list = append(list, snap)
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, snapshotURL(s.pool.Name, vol.Name, n))
	}
	writeSync(w, urls, "")
}

// createVolumeSnapshot is an operation; the snapshot takes the volume's
// description and config (incusd 6.0 ignores a description in the request).
func (m *Incus) createVolumeSnapshot(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume) {
	var req api.StorageVolumeSnapshotsPost
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" {
		for i := 0; ; i++ {
			if n := fmt.Sprintf("snap%d", i); vol.snapshots[n] == nil {
				req.Name = n
				break
			}
		}
	}
	if strings.Contains(req.Name, "/") {
		writeError(w, http.StatusBadRequest, `Storage name cannot contain "/"`)
		return
	}
	if vol.snapshots[req.Name] != nil {
		writeError(w, http.StatusConflict, fmt.Sprintf("Snapshot %q already in use", req.Name))
		return
	}
	res := map[string][]string{
		"storage_volume_snapshots": {snapshotURL(s.pool.Name, vol.Name, req.Name)},
		"storage_volumes":          {volumeURL(s.pool.Name, vol.Name)},
	}
	m.startOperation(w, "Creating storage volume snapshot", res, failWith(r), func() string {
		if vol.snapshots[req.Name] != nil {
			return fmt.Sprintf("Snapshot %q already in use", req.Name)
		}
		vol.snapshots[req.Name] = &api.StorageVolumeSnapshot{
			Name: req.Name, ContentType: vol.ContentType, Config: copyMap(vol.Config),
			StorageVolumeSnapshotPut: api.StorageVolumeSnapshotPut{Description: vol.Description, ExpiresAt: req.ExpiresAt},
			CreatedAt:                time.Now().UTC(),
		}
		return ""
	})
}

func (m *Incus) getVolumeSnapshot(w http.ResponseWriter, _ *http.Request, _ volumeScope, _ *mockVolume, snap *api.StorageVolumeSnapshot) {
	writeSync(w, snap, etagOf(snap.Writable()))
}

// updateVolumeSnapshot is PUT (an absent expires_at becomes the zero time,
// as incusd stores it) and PATCH (what is sent).
func (m *Incus) updateVolumeSnapshot(w http.ResponseWriter, r *http.Request, _ volumeScope, _ *mockVolume, snap *api.StorageVolumeSnapshot) {
	var req api.StorageVolumeSnapshotPut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(snap.Writable())) {
		return
	}
	if r.Method == http.MethodPatch {
		if req.Description != "" {
			snap.Description = req.Description
		}
		if req.ExpiresAt != nil {
			snap.ExpiresAt = req.ExpiresAt
		}
		writeEmpty(w)
		return
	}
	if req.ExpiresAt == nil {
		req.ExpiresAt = &time.Time{}
	}
	snap.Description, snap.ExpiresAt = req.Description, req.ExpiresAt
	writeEmpty(w)
}

func (m *Incus) renameVolumeSnapshot(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume, snap *api.StorageVolumeSnapshot) {
	var req api.StorageVolumeSnapshotPost
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" || strings.Contains(req.Name, "/") {
		writeError(w, http.StatusBadRequest, `Storage name cannot contain "/"`)
		return
	}
	old := snap.Name
	res := map[string][]string{"storage_volume_snapshots": {snapshotURL(s.pool.Name, vol.Name, old)}}
	m.startOperation(w, "Renaming storage volume snapshot", res, failWith(r), func() string {
		if vol.snapshots[req.Name] != nil {
			// incusd's dir driver fails on the directory that is there.
			dir := fmt.Sprintf("/var/lib/incus/storage-pools/%s/custom-snapshots/%s_%s/", s.pool.Name, s.project.name, vol.Name)
			return fmt.Sprintf("Failed to rename %q to %q: rename %s%s %s%s: file exists", dir+old, dir+req.Name, dir, old, dir, req.Name)
		}
		delete(vol.snapshots, old)
		snap.Name = req.Name
		vol.snapshots[req.Name] = snap
		return ""
	})
}

func (m *Incus) deleteVolumeSnapshot(w http.ResponseWriter, r *http.Request, s volumeScope, vol *mockVolume, snap *api.StorageVolumeSnapshot) {
	res := map[string][]string{"storage_volume_snapshots": {snapshotURL(s.pool.Name, vol.Name, snap.Name)}}
	m.startOperation(w, "Deleting storage volume snapshot", res, failWith(r), func() string {
		delete(vol.snapshots, snap.Name)
		return ""
	})
}
