package mockhost

import (
	"net/http"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// apiExtensions are the server extensions the fake reports: those whose
// calls it serves, under the names the Incus client checks for.
var apiExtensions = []string{
	"etag", "instances", "instance_get_full", "instance_create_start", "operation_wait",
	"projects", "projects_force_delete", "storage", "storage_api_volume_rename",
	"storage_api_local_volume_handling", "storage_api_volume_snapshots", "storage_api_project",
	"custom_block_volumes", "custom_volume_snapshot_expiry", "storage_volumes_created_at",
	"storage_buckets", "storage_buckets_create_credentials", "network",
	"network_dns", "network_dns_records", "network_zones_all_projects",
	"network_acl", "network_forward", "network_load_balancer", "network_peer", "network_integrations",
	"network_address_set",
	"clustering", "clustering_join", "clustering_roles", "clustering_edit_roles",
	"clustering_groups", "clustering_evacuation", "clustering_failure_domains", "clustering_description",
	"clustering_config", "cluster_ovn_chassis", "cluster_member_state",
	"snapshot_expiry", "snapshot_expiry_creation", "certificate_update", "certificate_token", "certificate_description",
	"file_delete", "directory_manipulation", "file_symlinks", "container_exec_recording", "container_exec_user_group_cwd",
	"container_backup", "backup_override_name", "container_copy_project", "instances_rebuild",
}

func (m *Incus) serverRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0", m.getServer)
	mux.HandleFunc("GET /1.0/events", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotImplemented, "the mock host has no events websocket; connect with SkipGetEvents")
	})
}

func (m *Incus) getRoot(w http.ResponseWriter, _ *http.Request) {
	writeSync(w, []string{"/1.0"}, "")
}

// extensionRoutes are the paths an API extension brought, as patterns
// of path segments ("*" for any name).
var extensionRoutes = map[string][]string{
	"network_integrations":  {"1.0", "network-integrations"},
	"network_peer":          {"1.0", "networks", "*", "peers"},
	"network_address_set":   {"1.0", "network-address-sets"},
	"network_forward":       {"1.0", "networks", "*", "forwards"},
	"network_load_balancer": {"1.0", "networks", "*", "load-balancers"},
	"instances_rebuild":     {"1.0", "instances", "*", "rebuild"},
}

// hiddenRoute reports whether path belongs to a hidden extension.
func (m *Incus) hiddenRoute(path string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for ext := range m.hidden {
		prefix := extensionRoutes[ext]
		if len(prefix) == 0 || len(segs) < len(prefix) {
			continue
		}
		match := true
		for i, p := range prefix {
			match = match && (p == "*" || p == segs[i])
		}
		if match {
			return true
		}
	}
	return false
}

// HideExtensions makes the fake look like an older incusd that lacks the
// given API extensions: GET /1.0 leaves them out and their routes answer
// 404 "not found"; with none, it shows them all again.
func (m *Incus) HideExtensions(names ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hidden = map[string]bool{}
	for _, n := range names {
		m.hidden[n] = true
	}
}

func (m *Incus) getServer(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	mm, ok := m.serverFor(w, r)
	if !ok {
		m.mu.Unlock()
		return
	}
	config := m.serverConfigOf(mm)
	serverName := "mockhost"
	if mm != nil {
		serverName = mm.ServerName
	}
	exts := make([]string, 0, len(apiExtensions))
	for _, e := range apiExtensions {
		if !m.hidden[e] {
			exts = append(exts, e)
		}
	}
	m.mu.Unlock()
	writeSync(w, api.Server{
		ServerUntrusted: api.ServerUntrusted{
			ServerPut:     api.ServerPut{Config: config},
			APIExtensions: exts,
			APIStatus:     "stable",
			APIVersion:    "1.0",
			Auth:          "trusted",
			AuthMethods:   []string{api.AuthenticationMethodTLS},
		},
		Environment: api.ServerEnvironment{
			Architectures:   []string{"x86_64"},
			Server:          "incus",
			ServerName:      serverName,
			ServerClustered: mm != nil,
			ServerVersion:   "6.0.4-mock",
			Project:         "default",
			Storage:         "dir",
		},
	}, etagOf(config))
}
