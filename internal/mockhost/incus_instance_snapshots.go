package mockhost

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// Instance snapshots, as incusd 6.0.4 serves them (cmd/incusd/instance_snapshot.go):
// create, update (only expires_at), rename and delete are operations.
// incusd 6.0 reports no description for a snapshot and takes none.

// snapshotsOf is the instance's snapshots by name; m.mu is held. They hang
// off the instance itself, so a renamed instance keeps them and a deleted
// one takes them along.
func (m *Incus) snapshotsOf(inst *mockInstance) map[string]*api.InstanceSnapshot {
	if m.instSnapshots == nil {
		m.instSnapshots = map[*mockInstance]map[string]*api.InstanceSnapshot{}
	}
	snaps := m.instSnapshots[inst]
	if snaps == nil {
		snaps = map[string]*api.InstanceSnapshot{}
		m.instSnapshots[inst] = snaps
	}
	return snaps
}

func (m *Incus) instanceSnapshotRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/instances/{name}/snapshots", m.withInstance(m.listInstanceSnapshots))
	mux.HandleFunc("POST /1.0/instances/{name}/snapshots", m.withInstance(m.createInstanceSnapshot))
	mux.HandleFunc("GET /1.0/instances/{name}/snapshots/{snap}", m.withInstanceSnapshot(func(w http.ResponseWriter, _ *http.Request, _ *mockInstance, snap *api.InstanceSnapshot) {
		writeSync(w, snap, snapshotETag(snap))
	}))
	mux.HandleFunc("PUT /1.0/instances/{name}/snapshots/{snap}", m.withInstanceSnapshot(m.updateInstanceSnapshot))
	mux.HandleFunc("PATCH /1.0/instances/{name}/snapshots/{snap}", m.withInstanceSnapshot(m.updateInstanceSnapshot))
	mux.HandleFunc("POST /1.0/instances/{name}/snapshots/{snap}", m.withInstanceSnapshot(m.renameInstanceSnapshot))
	mux.HandleFunc("DELETE /1.0/instances/{name}/snapshots/{snap}", m.withInstanceSnapshot(m.deleteInstanceSnapshot))
}

// snapshotETag is incusd's: the hash of the snapshot's expiry alone.
func snapshotETag(snap *api.InstanceSnapshot) string {
	return etagOf([]any{snap.ExpiresAt})
}

// withInstanceSnapshot runs h on the snapshot of the path with m.mu held,
// or writes incusd's 404s (a missing instance names the snapshot's full name).
func (m *Incus) withInstanceSnapshot(h func(http.ResponseWriter, *http.Request, *mockInstance, *api.InstanceSnapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		project := projectParam(r)
		p := m.lookupProject(w, project)
		if p == nil {
			return
		}
		name, snapName := r.PathValue("name"), r.PathValue("snap")
		inst, ok := p.instances[name]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch instance %q in project %q: Instance not found", name+"/"+snapName, project))
			return
		}
		snap, ok := m.snapshotsOf(inst)[snapName]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch snapshot %q of instance %q in project %q: Instance_snapshot not found", snapName, name, project))
			return
		}
		h(w, r, inst, snap)
	}
}

func (m *Incus) listInstanceSnapshots(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	snaps := m.snapshotsOf(inst)
	names := make([]string, 0, len(snaps))
	for n := range snaps {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.InstanceSnapshot, 0, len(names))
		for _, n := range names {
			list = append(list, *snaps[n])
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/instances/"+inst.Name+"/snapshots/"+n)
	}
	writeSync(w, urls, "")
}

// snapshotNameError is incusd's validate.IsURLSegmentSafe, "" when fine.
func snapshotNameError(name string) string {
	for _, c := range []string{"/", "?", "&", "+"} {
		if strings.Contains(name, c) {
			return fmt.Sprintf("Invalid snapshot name: Cannot contain %q", c)
		}
	}
	return ""
}

func (m *Incus) createInstanceSnapshot(w http.ResponseWriter, r *http.Request, p *mockProject, inst *mockInstance) {
	var req api.InstanceSnapshotsPost
	if !decode(w, r, &req) {
		return
	}
	snaps := m.snapshotsOf(inst)
	if req.Name == "" {
		for i := 0; ; i++ {
			if _, taken := snaps[fmt.Sprintf("snap%d", i)]; !taken {
				req.Name = fmt.Sprintf("snap%d", i)
				break
			}
		}
	}
	if msg := snapshotNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	expiry := time.Time{}
	if req.ExpiresAt != nil {
		expiry = *req.ExpiresAt
	} else if v := m.expanded(p, inst).ExpandedConfig["snapshots.expiry"]; v != "" {
		d, ok := parseExpiry(v)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid expiry %q", v))
			return
		}
		expiry = time.Now().UTC().Add(d)
	}
	res := map[string][]string{
		"instances":           {"/1.0/instances/" + inst.Name},
		"instances_snapshots": {"/1.0/instances/" + inst.Name + "/snapshots/" + req.Name},
	}
	m.startOperation(w, "Snapshotting instance", res, failWith(r), func() string {
		if _, taken := snaps[req.Name]; taken {
			return fmt.Sprintf(`Failed creating instance snapshot record %q: Add snapshot info to the database: Failed to create "instances_snapshots" entry: UNIQUE constraint failed: instances_snapshots.instance_id, instances_snapshots.name`, req.Name)
		}
		if req.Stateful {
			// The texts of incusd's lxc driver, in its order. Like the
			// test host, the fake has no CRIU: a stateful snapshot of a
			// container is always refused.
			if m.expanded(p, inst).ExpandedConfig["migration.stateful"] != "true" {
				return "Stateful snapshots require that the instance has migration.stateful be set to true"
			}
			if !inst.running {
				return "Unable to create a stateful snapshot. The instance isn't running"
			}
			if inst.Type == "container" {
				return "Unable to create a stateful snapshot. CRIU isn't installed"
			}
		}
		full := m.expanded(p, inst)
		snaps[req.Name] = &api.InstanceSnapshot{
			InstanceSnapshotPut: api.InstanceSnapshotPut{ExpiresAt: expiry},
			Name:                req.Name,
			Architecture:        full.Architecture,
			Config:              copyMap(inst.Config),
			ExpandedConfig:      copyMap(full.ExpandedConfig),
			Devices:             inst.Devices,
			ExpandedDevices:     full.ExpandedDevices,
			Profiles:            append([]string{}, inst.Profiles...),
			CreatedAt:           time.Now().UTC(),
			Stateful:            req.Stateful,
			Ephemeral:           inst.Ephemeral,
		}
		return ""
	})
}

// parseExpiry reads a snapshots.expiry value ("1d", "2w 3H"): units M
// (minutes), H, d, w, m (months as 30 days), y.
func parseExpiry(v string) (time.Duration, bool) {
	units := map[byte]time.Duration{'M': time.Minute, 'H': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'm': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	var total time.Duration
	for _, f := range strings.Fields(v) {
		var n int
		u := f[len(f)-1]
		if _, err := fmt.Sscanf(f[:len(f)-1], "%d", &n); err != nil || units[u] == 0 {
			return 0, false
		}
		total += time.Duration(n) * units[u]
	}
	return total, true
}

func (m *Incus) updateInstanceSnapshot(w http.ResponseWriter, r *http.Request, inst *mockInstance, snap *api.InstanceSnapshot) {
	if !ifMatch(w, r, snapshotETag(snap)) {
		return
	}
	raw := map[string]any{}
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	var put api.InstanceSnapshotPut
	_, set := raw["expires_at"].(string)
	if set {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &put); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	res := map[string][]string{
		"instances":           {"/1.0/instances/" + inst.Name},
		"instances_snapshots": {"/1.0/instances/" + inst.Name + "/snapshots/" + snap.Name},
	}
	m.startOperation(w, "Updating snapshot", res, failWith(r), func() string {
		if set {
			snap.ExpiresAt = put.ExpiresAt
		}
		return ""
	})
}

func (m *Incus) renameInstanceSnapshot(w http.ResponseWriter, r *http.Request, inst *mockInstance, snap *api.InstanceSnapshot) {
	var req api.InstanceSnapshotPost
	if !decode(w, r, &req) {
		return
	}
	if req.Migration {
		writeError(w, http.StatusNotImplemented, "the mock host does not migrate snapshots")
		return
	}
	if req.Name == "" {
		writeError(w, http.StatusBadRequest, "A new name for the instance must be provided")
		return
	}
	if msg := snapshotNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	snaps := m.snapshotsOf(inst)
	if _, taken := snaps[req.Name]; taken {
		writeError(w, http.StatusConflict, fmt.Sprintf("Name '%s' already in use", inst.Name+"/"+req.Name))
		return
	}
	res := map[string][]string{
		"instances":           {"/1.0/instances/" + inst.Name},
		"instances_snapshots": {"/1.0/instances/" + inst.Name + "/snapshots/" + snap.Name},
	}
	from := snap.Name
	m.startOperation(w, "Renaming snapshot", res, failWith(r), func() string {
		if _, taken := snaps[req.Name]; taken {
			return fmt.Sprintf("Snapshot %q already exists", inst.Name+"/"+req.Name)
		}
		delete(snaps, from)
		snap.Name = req.Name
		snaps[req.Name] = snap
		return ""
	})
}

func (m *Incus) deleteInstanceSnapshot(w http.ResponseWriter, r *http.Request, inst *mockInstance, snap *api.InstanceSnapshot) {
	res := map[string][]string{
		"instances":           {"/1.0/instances/" + inst.Name},
		"instances_snapshots": {"/1.0/instances/" + inst.Name + "/snapshots/" + snap.Name},
	}
	name := snap.Name
	m.startOperation(w, "Deleting snapshot", res, failWith(r), func() string {
		delete(m.snapshotsOf(inst), name)
		return ""
	})
}
