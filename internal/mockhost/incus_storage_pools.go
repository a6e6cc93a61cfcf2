package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// mockPool is a storage pool with its custom volumes and buckets, each by
// project then name.
type mockPool struct {
	api.StoragePool
	volumes map[string]map[string]*mockVolume
	buckets map[string]map[string]*mockBucket
}

// poolDrivers are the drivers the fake can make pools with, and the keys
// each fills in when not given (incusd 6.0: dir takes its directory under
// /var/lib/incus/storage-pools; the others a loop file under disks/).
var poolDrivers = map[string]func(name string) map[string]string{
	"dir": func(name string) map[string]string {
		return map[string]string{"source": "/var/lib/incus/storage-pools/" + name}
	},
	"btrfs": func(name string) map[string]string {
		return map[string]string{"source": "/var/lib/incus/disks/" + name + ".img", "size": "5GiB"}
	},
	"zfs": func(name string) map[string]string {
		return map[string]string{"source": "/var/lib/incus/disks/" + name + ".img", "size": "5GiB", "zfs.pool_name": name}
	},
	"lvm": func(name string) map[string]string {
		return map[string]string{"source": "/var/lib/incus/disks/" + name + ".img", "size": "5GiB",
			"lvm.vg_name": name, "lvm.thinpool_name": "IncusThinPool"}
	},
}

// every incusd driver, for the difference between "Unknown driver" and one
// the fake cannot fake.
var otherPoolDrivers = map[string]bool{"ceph": true, "cephfs": true, "cephobject": true, "lvmcluster": true, "linstor": true}

// poolKeys are the pool config keys every driver takes; volume.* keys and
// the driver's own prefix (zfs.*, lvm.*, btrfs.*) are taken too.
var poolKeys = map[string]bool{"source": true, "source.wipe": true, "volatile.initial_source": true,
	"rsync.bwlimit": true, "rsync.compression": true}

func (m *Incus) addPool(name, driver, description string) *mockPool {
	pool := &mockPool{
		StoragePool: api.StoragePool{Name: name, Driver: driver, Status: "Created", Locations: []string{"none"},
			StoragePoolPut: api.StoragePoolPut{Description: description, Config: poolDrivers[driver](name)}},
		volumes: map[string]map[string]*mockVolume{},
		buckets: map[string]map[string]*mockBucket{},
	}
	m.pools[name] = pool
	return pool
}

func (m *Incus) storagePoolRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/storage-pools", m.listPools)
	mux.HandleFunc("POST /1.0/storage-pools", m.createPool)
	mux.HandleFunc("GET /1.0/storage-pools/{pool}", m.withPool(m.getPool))
	mux.HandleFunc("PUT /1.0/storage-pools/{pool}", m.withPool(m.updatePool))
	mux.HandleFunc("PATCH /1.0/storage-pools/{pool}", m.withPool(m.updatePool))
	mux.HandleFunc("DELETE /1.0/storage-pools/{pool}", m.withPool(m.deletePool))
	mux.HandleFunc("POST /1.0/storage-pools/{pool}", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotImplemented, "not implemented") // incusd cannot rename a pool
	})
}

// targetOK answers a ?target= naming no member as incusd does (a standalone
// server has none). It says whether the request may go on. A member's
// target is taken, but the mock keeps no per-member pools or networks
// (incusd's pending definitions): a create with a target makes the object.
func (m *Incus) targetOK(w http.ResponseWriter, r *http.Request) bool {
	if t := r.URL.Query().Get("target"); t != "" && m.member(t) == nil {
		writeError(w, http.StatusNotFound, "Cluster member not found")
		return false
	}
	return true
}

// withPool runs h on the pool of the path with m.mu held, or writes incusd's 404.
func (m *Incus) withPool(h func(http.ResponseWriter, *http.Request, *mockPool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		pool := m.pools[r.PathValue("pool")]
		if pool == nil {
			writeError(w, http.StatusNotFound, "Storage pool not found")
			return
		}
		if !m.targetOK(w, r) {
			return
		}
		h(w, r, pool)
	}
}

// poolUsedBy lists what uses a pool: profiles and instances whose root disk
// is on it, and its volumes and buckets, sorted as incusd lists them.
func (m *Incus) poolUsedBy(pool *mockPool) []string {
	out := []string{}
	for _, p := range m.projects {
		for _, inst := range p.instances {
			if _, root := rootDisk(m.expandDevices(p, inst.Profiles, inst.Devices)); root != nil && root["pool"] == pool.Name {
				out = append(out, withProject("/1.0/instances/"+inst.Name, p.name))
			}
		}
		if p.name == "default" || p.feature("features.profiles") {
			for _, prof := range p.profiles {
				for _, d := range prof.Devices {
					if d["type"] == "disk" && d["pool"] == pool.Name {
						out = append(out, withProject("/1.0/profiles/"+prof.Name, p.name))
						break
					}
				}
			}
		}
	}
	for project, vols := range pool.volumes {
		for n := range vols {
			out = append(out, withProject("/1.0/storage-pools/"+pool.Name+"/volumes/custom/"+n, project))
		}
	}
	for project, buckets := range pool.buckets {
		for n := range buckets {
			out = append(out, withProject("/1.0/storage-pools/"+pool.Name+"/buckets/"+n, project))
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) poolView(pool *mockPool) api.StoragePool {
	out := pool.StoragePool
	out.Config = copyMap(pool.Config)
	out.Locations = []string{"none"}
	out.UsedBy = m.poolUsedBy(pool)
	return out
}

func (m *Incus) listPools(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.pools))
	for n := range m.pools {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.StoragePool, 0, len(names))
		for _, n := range names {
			list = append(list, m.poolView(m.pools[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/storage-pools/"+n)
	}
	writeSync(w, urls, "")
}

// validatePoolConfig is incusd's answer (500) to a key the driver does not take.
func validatePoolConfig(driver string, cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		ok := poolKeys[k] || strings.HasPrefix(k, "volume.") || strings.HasPrefix(k, "user.")
		if driver != "dir" {
			ok = ok || k == "size" || strings.HasPrefix(k, driver+".")
		}
		if !ok {
			return fmt.Sprintf("Invalid option %q", k)
		}
	}
	return ""
}

func (m *Incus) createPool(w http.ResponseWriter, r *http.Request) {
	var req api.StoragePoolsPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.targetOK(w, r) {
		return
	}
	switch {
	case req.Name == "":
		writeError(w, http.StatusBadRequest, "No name provided")
	case strings.Contains(req.Name, "/"):
		writeError(w, http.StatusBadRequest, "Storage pool names may not contain slashes")
	case req.Driver == "":
		writeError(w, http.StatusBadRequest, "No driver provided")
	case m.cluster != nil:
		m.createClusterPool(w, r, req) // incus_cluster.go
	case m.pools[req.Name] != nil:
		writeError(w, http.StatusConflict, "The storage pool already exists: The record already exists")
	case otherPoolDrivers[req.Driver]:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("the mock host cannot fake storage driver %q", req.Driver))
	case poolDrivers[req.Driver] == nil:
		writeError(w, http.StatusInternalServerError, "Unknown driver")
	default:
		if msg := validatePoolConfig(req.Driver, req.Config); msg != "" {
			writeError(w, http.StatusInternalServerError, msg)
			return
		}
		pool := m.addPool(req.Name, req.Driver, req.Description)
		for k, v := range req.Config {
			pool.Config[k] = v
		}
		writeCreated(w, "/1.0/storage-pools/"+req.Name, nil)
	}
}

func (m *Incus) getPool(w http.ResponseWriter, _ *http.Request, pool *mockPool) {
	writeSync(w, m.poolView(pool), etagOf(pool.Writable()))
}

// updatePool is PUT and PATCH. As in incusd, a PATCH merges config but
// takes the description as sent (absent: empty), and the keys the driver
// filled in (source) must be sent back unchanged.
func (m *Incus) updatePool(w http.ResponseWriter, r *http.Request, pool *mockPool) {
	var req api.StoragePoolPut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(pool.Writable())) {
		return
	}
	cfg := req.Config
	if r.Method == http.MethodPatch {
		cfg = copyMap(pool.Config)
		for k, v := range req.Config {
			cfg[k] = v
		}
	}
	if cfg["source"] != pool.Config["source"] {
		writeError(w, http.StatusInternalServerError, "Pool source cannot be changed when not in pending state")
		return
	}
	if msg := validatePoolConfig(pool.Driver, cfg); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	pool.Config = copyMap(cfg)
	pool.Description = req.Description
	writeEmpty(w)
}

func (m *Incus) deletePool(w http.ResponseWriter, _ *http.Request, pool *mockPool) {
	if len(m.poolUsedBy(pool)) > 0 {
		writeError(w, http.StatusBadRequest, "The storage pool is currently in use")
		return
	}
	delete(m.pools, pool.Name)
	writeEmpty(w)
}
