package mockhost

import (
	"net/http"

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
	"network_acl", "network_forward", "network_load_balancer",
	"network_address_set",
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

func (m *Incus) getServer(w http.ResponseWriter, _ *http.Request) {
	writeSync(w, api.Server{
		ServerUntrusted: api.ServerUntrusted{
			APIExtensions: apiExtensions,
			APIStatus:     "stable",
			APIVersion:    "1.0",
			Auth:          "trusted",
			AuthMethods:   []string{api.AuthenticationMethodTLS},
		},
		Environment: api.ServerEnvironment{
			Architectures: []string{"x86_64"},
			Server:        "incus",
			ServerName:    "mockhost",
			ServerVersion: "6.0.4-mock",
			Project:       "default",
			Storage:       "dir",
		},
	}, "")
}
