package mockhost

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mockAndRealClusters: a mock cluster of c1 and c2, and the real cluster
// RACK_ACC_INCUS_CLUSTER_SOCKET names (.ci/install-incus-cluster.sh).
func mockAndRealClusters(t *testing.T) map[string]string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-mock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := StartIncusWith(filepath.Join(dir, "incus.sock"), IncusOptions{ImageAlias: "rack-busybox", Cluster: []string{"c1", "c2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	hosts := map[string]string{"mock": m.Socket()}
	if s := os.Getenv("RACK_ACC_INCUS_CLUSTER_SOCKET"); s != "" {
		hosts["real"] = s
		lockCluster(t)
	}
	return hosts
}

// lockCluster holds the real cluster for the rest of the test: the lock
// acctest.LockCluster takes (acctest imports this package, so the path is
// repeated here).
func lockCluster(t *testing.T) {
	t.Helper()
	const path = "/tmp/rack-acc-incus-cluster.lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
}

// TestIncusCluster: the cluster routes answer as incusd 6.0.4 does on the
// loopback cluster. No step sends a server key incusd refuses: its undoing
// of a refused PATCH wipes the member's own keys on the real cluster.
func TestIncusCluster(t *testing.T) {
	const g = "/1.0/cluster/groups"
	steps := []scenarioStep{
		{method: "GET", path: "/1.0/cluster", status: 200, has: []string{`"enabled":true`, `"server_name":"c1"`}},
		{method: "GET", path: "/1.0/cluster/members/c2", status: 200,
			has: []string{`"url":"https://127.0.0.12:8443"`, `"status":"Online"`, `"groups":["default"]`, `"roles":["database-standby"]`}},
		{method: "GET", path: "/1.0/cluster/members/c9", status: 404, text: "Cluster member not found"},
		{method: "GET", path: "/1.0?target=c9", status: 404, text: "Cluster member not found"},
		{method: "GET", path: "/1.0?target=c2", status: 200, has: []string{`"core.https_address":"127.0.0.12:8443"`, `"server_clustered":true`}},
		{method: "PATCH", path: "/1.0?target=c2", body: `{"config":{"core.syslog_socket":"true"}}`, status: 200},
		{method: "GET", path: "/1.0?target=c2", status: 200, has: []string{`"core.syslog_socket":"true"`}},
		{method: "PATCH", path: "/1.0?target=c2", body: `{"config":{"core.syslog_socket":""}}`, status: 200},
		// Members: roles, groups, config.
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":["bogus"],"failure_domain":"default","groups":["default"],"config":{}}`, status: 500, text: `Update roles: Invalid cluster role "bogus"`},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":["database"],"failure_domain":"default","groups":["default"],"config":{}}`, status: 400, text: `The "database" role cannot be added at this time`},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":[],"failure_domain":"default","groups":[],"config":{}}`, status: 400, text: "Cluster members need to belong to at least one group"},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":[],"failure_domain":"default","groups":["nogroup"],"config":{}}`, status: 404, text: "Update cluster groups: Failed to add member to cluster group: Failed to get cluster group ID: Cluster_group not found"},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":[],"failure_domain":"default","groups":["default"],"config":{"bogus":"x"}}`, status: 500, text: `Invalid cluster configuration key "bogus"`},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":["event-hub"],"failure_domain":"fd2","groups":["default"],"config":{"user.a":"b"},"description":"d"}`, status: 200},
		{method: "GET", path: "/1.0/cluster/members/c2", status: 200, has: []string{`"roles":["event-hub","database-standby"]`, `"failure_domain":"fd2"`, `"config":{"user.a":"b"}`}},
		{method: "PUT", path: "/1.0/cluster/members/c2", body: `{"roles":[],"failure_domain":"default","groups":["default"],"config":{},"description":""}`, status: 200},
		{method: "GET", path: "/1.0/cluster/members/c2", status: 200, has: []string{`"roles":["database-standby"]`}},
		// State: evacuate, restore; twice fails the operation.
		{method: "POST", path: "/1.0/cluster/members/c2/state", body: `{"action":"bogus"}`, status: 400, text: `Unknown action "bogus"`},
		{method: "POST", path: "/1.0/cluster/members/c2/state", body: `{"action":"evacuate"}`, status: 202},
		{method: "GET", path: "/1.0/cluster/members/c2", status: 200, has: []string{`"status":"Evacuated"`, `"message":"Unavailable due to maintenance"`}},
		{method: "POST", path: "/1.0/cluster/members/c2/state", body: `{"action":"evacuate"}`, status: 202, text: "Cluster member is already evacuated"},
		{method: "POST", path: "/1.0/cluster/members/c2/state", body: `{"action":"restore"}`, status: 202},
		{method: "POST", path: "/1.0/cluster/members/c2/state", body: `{"action":"restore"}`, status: 202, text: "Cluster member is already restored"},
		// Groups.
		{method: "POST", path: g, body: `{"name":""}`, status: 400, text: "No name provided"},
		{method: "POST", path: g, body: `{"name":"a/b"}`, status: 400, text: "Cluster group names may not contain slashes"},
		{method: "POST", path: g, body: `{"name":"default"}`, status: 500, text: `Failed to create "cluster_groups" entry: UNIQUE constraint failed: cluster_groups.name`},
		{method: "POST", path: g, body: `{"name":"%[1]s-g","members":["c9"]}`, status: 500, text: `Failed to create "nodes_clusters_groups" entry: NOT NULL constraint failed: nodes_cluster_groups.node_id`},
		{method: "GET", path: g + "/%[1]s-g", status: 404, text: "Cluster_group not found"},
		{method: "POST", path: g, body: `{"name":"%[1]s-g","description":"x","members":["c1"]}`, status: 201},
		{method: "GET", path: "/1.0/cluster/members/c1", status: 200, has: []string{`"%[1]s-g"`}},
		{method: "PUT", path: g + "/%[1]s-g", body: `{"description":"y","members":["c1","c9"]}`, status: 404, text: "Failed to get node info: Cluster member not found"},
		{method: "POST", path: g + "/%[1]s-g", body: `{"name":"default"}`, status: 500, text: `Name "default" already in use`},
		{method: "POST", path: g + "/default", body: `{"name":"%[1]s-d"}`, status: 403, text: `The "default" group cannot be renamed`},
		{method: "POST", path: g + "/%[1]s-g", body: `{"name":"%[1]s-h"}`, status: 201},
		{method: "DELETE", path: g + "/%[1]s-h", status: 500, text: "Only empty cluster groups can be removed"},
		{method: "DELETE", path: g + "/default", status: 403, text: "The 'default' cluster group cannot be deleted"},
		{method: "PUT", path: g + "/%[1]s-h", body: `{"description":"y","members":[]}`, status: 200},
		{method: "DELETE", path: g + "/%[1]s-h", status: 200},
		{method: "DELETE", path: g + "/%[1]s-h", status: 404, text: "Cluster_group not found"},
		// A pool: defined on each member first, then created.
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 500, text: "Pool not pending on any node (use --target <node> first)"},
		{method: "POST", path: "/1.0/storage-pools?target=c1", body: `{"name":"%[1]s-p","driver":"dir","config":{"rsync.bwlimit":"1"}}`, status: 500, text: `Config key "rsync.bwlimit" may not be used as member-specific key`},
		{method: "POST", path: "/1.0/storage-pools?target=c1", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 201},
		{method: "POST", path: "/1.0/storage-pools?target=c1", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 400, text: `The storage pool already defined on member "c1"`},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 500, text: "Pool not defined on nodes: c2"},
		{method: "POST", path: "/1.0/storage-pools?target=c2", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 201},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-p","driver":"dir","config":{"source":"/x"}}`, status: 500, text: `Config key "source" is cluster member specific`},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 201},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-p","driver":"dir"}`, status: 500, text: "The storage pool is already created"},
		{method: "DELETE", path: "/1.0/storage-pools/%[1]s-p", status: 200},
		// A network: the same two steps (a macvlan on lo makes no interface).
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"macvlan"}`, status: 500, text: "Network not pending on any node (use --target <node> first)"},
		{method: "POST", path: "/1.0/networks?target=c1", body: `{"name":"%[1]s-n","type":"macvlan","config":{"mtu":"1500"}}`, status: 400, text: `Config key "mtu" may not be used as member-specific key`},
		{method: "POST", path: "/1.0/networks?target=c1", body: `{"name":"%[1]s-n","type":"macvlan","config":{"parent":"lo"}}`, status: 201},
		{method: "POST", path: "/1.0/networks?target=c1", body: `{"name":"%[1]s-n","type":"macvlan","config":{"parent":"lo"}}`, status: 409, text: `Network "%[1]s-n" is already defined on member "c1"`},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"macvlan"}`, status: 500, text: "Network not defined on nodes: c2"},
		{method: "POST", path: "/1.0/networks?target=c2", body: `{"name":"%[1]s-n","type":"macvlan","config":{"parent":"lo"}}`, status: 201},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"macvlan","config":{"parent":"lo"}}`, status: 500, text: `Config key "parent" is cluster member specific`},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"bridge"}`, status: 500, text: `Requested network type "bridge" doesn't match type in existing database record "macvlan"`},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"macvlan"}`, status: 201},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","type":"macvlan"}`, status: 500, text: "The network is already created"},
		{method: "DELETE", path: "/1.0/networks/%[1]s-n", status: 200},
		// Placement.
		{method: "POST", path: "/1.0/instances?target=c9", body: `{"name":"%[1]s-i","source":{"type":"image","alias":"rack-busybox"}}`, status: 404, text: `Cluster member "c9" not found`},
		{method: "POST", path: "/1.0/instances?target=@nogroup", body: `{"name":"%[1]s-i","source":{"type":"image","alias":"rack-busybox"}}`, status: 400, text: `Cluster group "nogroup" doesn't exist`},
	}
	// A group left by a failed run keeps its member: delete it by hand.
	runScenarioOn(t, mockAndRealClusters(t), steps, []string{"DELETE /1.0/cluster/groups/%[1]s-g", "DELETE /1.0/storage-pools/%[1]s-p", "DELETE /1.0/networks/%[1]s-n"})
}

// TestIncusNotClustered: a standalone server's answers to the cluster routes.
func TestIncusNotClustered(t *testing.T) {
	steps := []scenarioStep{
		{method: "GET", path: "/1.0/cluster", status: 200, has: []string{`"enabled":false`}},
		{method: "GET", path: "/1.0/cluster/members", status: 500, text: "Server is not clustered"},
		{method: "GET", path: "/1.0/cluster/members/c1", status: 500, text: "Server is not clustered"},
		{method: "GET", path: "/1.0/cluster/groups", status: 400, text: "This server is not clustered"},
		{method: "GET", path: "/1.0/cluster/groups/default", status: 400, text: "This server is not clustered"},
		{method: "GET", path: "/1.0?target=c2", status: 404, text: "Cluster member not found"},
		{method: "POST", path: "/1.0/instances?target=c9", body: `{"name":"%[1]s-i","source":{"type":"image","alias":"rack-busybox"}}`, status: 400, text: "Target only allowed when clustered"},
	}
	runScenario(t, steps, nil)
}
