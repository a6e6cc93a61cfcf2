package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// The server's configuration (GET/PUT/PATCH /1.0) and, when the fake is a
// cluster (IncusOptions.Cluster), the cluster: its members, their state
// (evacuate, restore) and the cluster groups. Texts are incusd 6.0.4's, as
// it answered on this project's two-member loopback cluster
// (.ci/install-incus-cluster.sh) and a standalone daemon.

// memberServerKeys are the server keys each member holds for itself
// (internal/server/node/config.go of incusd 6.0.4); the others are the
// cluster's.
var memberServerKeys = map[string]bool{
	"core.https_address": true, "cluster.https_address": true, "core.bgp_address": true,
	"core.bgp_routerid": true, "core.debug_address": true, "core.dns_address": true,
	"core.metrics_address": true, "core.storage_buckets_address": true, "core.syslog_socket": true,
	"network.ovs.connection": true, "storage.backups_volume": true, "storage.images_volume": true,
}

// globalServerKeys are incusd 6.0.4's cluster-wide server keys.
var globalServerKeys = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`acme.ca_url acme.domain acme.email acme.agree_tos acme.challenge acme.provider
	acme.provider.environment acme.provider.resolvers acme.http.port authorization.scriptlet backups.compression_algorithm
	cluster.offline_threshold cluster.images_minimal_replica cluster.healing_threshold cluster.join_token_expiry
	cluster.max_voters cluster.max_standby cluster.rebalance.batch cluster.rebalance.cooldown cluster.rebalance.interval
	cluster.rebalance.threshold core.metrics_authentication core.bgp_asn core.https_allowed_headers core.https_allowed_methods
	core.https_allowed_origin core.https_allowed_credentials core.https_trusted_proxy core.proxy_http core.proxy_https
	core.proxy_ignore_hosts core.remote_token_expiry core.shutdown_timeout core.trust_ca_certificates images.auto_update_cached
	images.auto_update_interval images.compression_algorithm images.default_architecture images.remote_cache_expiry
	instances.lxcfs.per_instance instances.nic.host_name instances.placement.scriptlet loki.auth.username loki.auth.password
	loki.api.ca_cert loki.api.url loki.instance loki.labels loki.loglevel loki.types openfga.api.token openfga.api.url
	openfga.store.id oidc.client.id oidc.issuer oidc.scopes oidc.audience oidc.claim network.ovn.integration_bridge
	network.ovn.northbound_connection network.ovn.ca_cert network.ovn.client_cert network.ovn.client_key`) {
		globalServerKeys[k] = true
	}
}

// mockCluster is the fake's cluster: members in join order, and groups.
type mockCluster struct {
	members []*mockMember
	groups  map[string]*api.ClusterGroup
	// pendingPools are pools defined on members (POST with a target) and
	// not yet created: name, then member, then its config.
	pendingPools map[string]*pendingPool
	// pendingNetworks: the same for networks (type in driver).
	pendingNetworks map[string]*pendingPool
}

type pendingPool struct {
	driver  string
	members map[string]map[string]string
}

type mockMember struct {
	api.ClusterMember
	// server are the member's own server keys (memberServerKeys).
	server map[string]string
}

// resetServer builds the server config and, with opts.Cluster, the
// cluster; m.mu is held (or m unshared).
func (m *Incus) resetServer() {
	m.serverConfig = map[string]string{}
	m.localServer = map[string]string{}
	m.cluster = nil
	if len(m.opts.Cluster) == 0 {
		return
	}
	c := &mockCluster{pendingPools: map[string]*pendingPool{}, pendingNetworks: map[string]*pendingPool{}, groups: map[string]*api.ClusterGroup{
		"default": {ClusterGroupPost: api.ClusterGroupPost{Name: "default"}, ClusterGroupPut: api.ClusterGroupPut{Description: "Default cluster group", Members: []string{}}},
	}}
	for i, name := range m.opts.Cluster {
		addr := fmt.Sprintf("127.0.0.%d:8443", 11+i)
		roles := []string{"database-standby"}
		if i == 0 {
			roles = []string{"database-leader", "database"}
		}
		c.members = append(c.members, &mockMember{
			ClusterMember: api.ClusterMember{
				ClusterMemberPut: api.ClusterMemberPut{Roles: roles, FailureDomain: "default", Config: map[string]string{}, Groups: []string{"default"}},
				ServerName:       name, URL: "https://" + addr, Database: true,
				Status: "Online", Message: "Fully operational", Architecture: "x86_64",
			},
			server: map[string]string{"core.https_address": addr, "cluster.https_address": addr},
		})
		c.groups["default"].Members = append(c.groups["default"].Members, name)
	}
	m.cluster = c
}

func (m *Incus) clusterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /1.0", m.putServer)
	mux.HandleFunc("PATCH /1.0", m.putServer)
	mux.HandleFunc("GET /1.0/cluster", m.getCluster)
	mux.HandleFunc("GET /1.0/cluster/members", m.withCluster(http.StatusInternalServerError, "Server is not clustered", m.listMembers))
	mux.HandleFunc("GET /1.0/cluster/members/{name}", m.withMember(m.getMember))
	mux.HandleFunc("PUT /1.0/cluster/members/{name}", m.withMember(m.putMember))
	mux.HandleFunc("PATCH /1.0/cluster/members/{name}", m.withMember(m.putMember))
	mux.HandleFunc("POST /1.0/cluster/members/{name}/state", m.withMember(m.memberState))
	const notClustered = "This server is not clustered"
	mux.HandleFunc("GET /1.0/cluster/groups", m.withCluster(http.StatusBadRequest, notClustered, m.listGroups))
	mux.HandleFunc("POST /1.0/cluster/groups", m.withCluster(http.StatusBadRequest, notClustered, m.createGroup))
	for _, method := range []string{"GET", "PUT", "PATCH", "POST", "DELETE"} {
		mux.HandleFunc(method+" /1.0/cluster/groups/{name}", m.withCluster(http.StatusBadRequest, notClustered, m.withGroup))
	}
}

// member finds a member by name; m.mu is held.
func (m *Incus) member(name string) *mockMember {
	if m.cluster == nil {
		return nil
	}
	for _, mm := range m.cluster.members {
		if mm.ServerName == name {
			return mm
		}
	}
	return nil
}

// serverFor is the member a request with ?target= goes to: nil and ok for
// a standalone server without a target; incusd's 404 for a target that is
// no member (a standalone server has none).
func (m *Incus) serverFor(w http.ResponseWriter, r *http.Request) (*mockMember, bool) {
	target := r.URL.Query().Get("target")
	if m.cluster == nil {
		if target != "" {
			writeError(w, http.StatusNotFound, "Cluster member not found")
			return nil, false
		}
		return nil, true
	}
	if target == "" {
		return m.cluster.members[0], true
	}
	mm := m.member(target)
	if mm == nil {
		writeError(w, http.StatusNotFound, "Cluster member not found")
		return nil, false
	}
	return mm, true
}

// serverConfigOf is the config GET /1.0 shows on a member (nil: standalone).
func (m *Incus) serverConfigOf(mm *mockMember) map[string]string {
	out := copyMap(m.serverConfig)
	local := m.localServer
	if mm != nil {
		local = mm.server
	}
	for k, v := range local {
		out[k] = v
	}
	return out
}

// putServer is PUT and PATCH /1.0: a member's own keys go to the member the
// request targets, the others to the whole cluster. An empty value unsets;
// PUT also unsets what it leaves out, but for cluster.https_address and
// user.* keys. Not copied: incusd 6.0.4 undoes a refused PATCH by replacing
// the member's own keys with the request's, wiping the others.
func (m *Incus) putServer(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mm, ok := m.serverFor(w, r)
	if !ok {
		return
	}
	if !ifMatch(w, r, etagOf(m.serverConfigOf(mm))) {
		return
	}
	var req api.ServerPut
	if !decode(w, r, &req) {
		return
	}
	for _, k := range sortedKeys(req.Config) {
		v := req.Config[k]
		if v == "" || memberServerKeys[k] || globalServerKeys[k] || strings.HasPrefix(k, "user.") {
			continue
		}
		writeError(w, http.StatusBadRequest, fmt.Sprintf("cannot set '%s' to '%s': unknown key", k, v))
		return
	}
	local := m.localServer
	if mm != nil {
		local = mm.server
	}
	if m.cluster != nil {
		if v, set := req.Config["cluster.https_address"]; (set || r.Method == http.MethodPut) && v != local["cluster.https_address"] {
			writeError(w, http.StatusInternalServerError, "Changing cluster.https_address is currently not supported")
			return
		}
	}
	if r.Method == http.MethodPut {
		for k := range local {
			if _, named := req.Config[k]; !named && k != "cluster.https_address" {
				delete(local, k)
			}
		}
		for k := range m.serverConfig {
			// incusd's PUT keeps the user.* keys it leaves out.
			if _, named := req.Config[k]; !named && !strings.HasPrefix(k, "user.") {
				delete(m.serverConfig, k)
			}
		}
	}
	for k, v := range req.Config {
		to := m.serverConfig
		if memberServerKeys[k] {
			to = local
		}
		if v == "" {
			delete(to, k)
		} else {
			to[k] = v
		}
	}
	writeSync(w, map[string]any{}, "")
}

// getCluster is GET /1.0/cluster; a standalone server answers too, with
// enabled false.
func (m *Incus) getCluster(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := api.Cluster{MemberConfig: []api.ClusterMemberConfigKey{}}
	for _, name := range sortedPoolNames(m.pools) {
		out.MemberConfig = append(out.MemberConfig, api.ClusterMemberConfigKey{
			Entity: "storage-pool", Name: name, Key: "source",
			Description: fmt.Sprintf("%q property for storage pool %q", "source", name),
		})
	}
	if m.cluster != nil {
		out.Enabled = true
		out.ServerName = m.cluster.members[0].ServerName
	}
	writeSync(w, out, etagOf(out))
}

func sortedPoolNames(pools map[string]*mockPool) []string {
	out := make([]string, 0, len(pools))
	for n := range pools {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// withCluster runs h with m.mu held on a cluster, or answers what incusd
// says on a standalone server (the status and text differ by route).
func (m *Incus) withCluster(status int, text string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.cluster == nil {
			writeError(w, status, text)
			return
		}
		h(w, r)
	}
}

func (m *Incus) withMember(h func(http.ResponseWriter, *http.Request, *mockMember)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.cluster == nil {
			writeError(w, http.StatusInternalServerError, "Server is not clustered")
			return
		}
		mm := m.member(r.PathValue("name"))
		if mm == nil {
			writeError(w, http.StatusNotFound, "Cluster member not found")
			return
		}
		h(w, r, mm)
	}
}

func (mm *mockMember) view() api.ClusterMember {
	out := mm.ClusterMember
	out.Config = copyMap(mm.Config)
	out.Roles = append([]string{}, mm.Roles...)
	out.Groups = append([]string{}, mm.Groups...)
	return out
}

func (m *Incus) listMembers(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("recursion") == "" {
		urls := []string{}
		for _, mm := range m.cluster.members {
			urls = append(urls, "/1.0/cluster/members/"+mm.ServerName)
		}
		writeSync(w, urls, "")
		return
	}
	out := []api.ClusterMember{}
	for _, mm := range m.cluster.members {
		out = append(out, mm.view())
	}
	writeSync(w, out, "")
}

func (m *Incus) getMember(w http.ResponseWriter, _ *http.Request, mm *mockMember) {
	writeSync(w, mm.view(), etagOf(mm.view().ClusterMemberPut))
}

// settableRoles are the roles a client may give a member; the database
// roles are incusd's own (api_cluster.go of incusd 6.0.4).
var settableRoles = map[string]bool{"event-hub": true, "ovn-chassis": true}

var databaseRoles = map[string]bool{"database": true, "database-leader": true, "database-standby": true}

// putMember is PUT (and PATCH) /1.0/cluster/members/{name}, with incusd's
// checks in its order: groups, roles, config.
func (m *Incus) putMember(w http.ResponseWriter, r *http.Request, mm *mockMember) {
	if !ifMatch(w, r, etagOf(mm.view().ClusterMemberPut)) {
		return
	}
	var req api.ClusterMemberPut
	if r.Method == http.MethodPatch {
		req = mm.view().ClusterMemberPut
		req.Config = nil // a PATCH's config replaces the member's, as a PUT's does
	}
	if !decode(w, r, &req) {
		return
	}
	if len(req.Groups) == 0 {
		writeError(w, http.StatusBadRequest, "Cluster members need to belong to at least one group")
		return
	}
	for _, g := range req.Groups {
		if m.cluster.groups[g] == nil {
			writeError(w, http.StatusNotFound, "Update cluster groups: Failed to add member to cluster group: Failed to get cluster group ID: Cluster_group not found")
			return
		}
	}
	roles := []string{}
	for _, role := range mm.Roles {
		if databaseRoles[role] {
			roles = append(roles, role)
		}
	}
	for _, role := range req.Roles {
		switch {
		case settableRoles[role]:
			roles = append([]string{role}, roles...)
		case databaseRoles[role] && !containsString(mm.Roles, role):
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The %q role cannot be added at this time", role))
			return
		case !databaseRoles[role]:
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Update roles: Invalid cluster role %q", role))
			return
		}
	}
	for _, k := range sortedKeys(req.Config) {
		if k != "scheduler.instance" && !strings.HasPrefix(k, "user.") {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Invalid cluster configuration key %q", k))
			return
		}
	}
	for _, g := range m.cluster.groups {
		g.Members = removeString(g.Members, mm.ServerName)
	}
	for _, g := range req.Groups {
		m.cluster.groups[g].Members = append(m.cluster.groups[g].Members, mm.ServerName)
	}
	mm.Roles, mm.Groups, mm.Config = roles, append([]string{}, req.Groups...), copyMap(req.Config)
	mm.FailureDomain, mm.Description = req.FailureDomain, req.Description
	if mm.FailureDomain == "" {
		mm.FailureDomain = "default"
	}
	writeSync(w, map[string]any{}, "")
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func removeString(list []string, s string) []string {
	out := []string{}
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// memberState is POST /1.0/cluster/members/{name}/state: evacuate moves the
// member's instances to another member (keeping where they came from in
// volatile.evacuate.origin) and restore brings them back, as incusd does
// with containers on local storage. Each is an operation; asking for the
// state the member is already in fails it, with incusd's text.
func (m *Incus) memberState(w http.ResponseWriter, r *http.Request, mm *mockMember) {
	var req api.ClusterMemberStatePost
	if !decode(w, r, &req) {
		return
	}
	var desc string
	var work func() string
	switch req.Action {
	case "evacuate":
		desc = "Evacuating cluster member"
		work = func() string {
			if mm.Status == "Evacuated" {
				return "Cluster member is already evacuated"
			}
			var dest string
			for _, other := range m.cluster.members {
				if other != mm && other.Status == "Online" {
					dest = other.ServerName
					break
				}
			}
			if dest == "" {
				return "No target cluster member available to evacuate to"
			}
			for _, inst := range m.allInstances() {
				if inst.Location == mm.ServerName {
					inst.Config["volatile.evacuate.origin"] = mm.ServerName
					inst.Location = dest
				}
			}
			mm.Status, mm.Message = "Evacuated", "Unavailable due to maintenance"
			return ""
		}
	case "restore":
		desc = "Restoring cluster member"
		work = func() string {
			if mm.Status != "Evacuated" {
				return "Cluster member is already restored"
			}
			for _, inst := range m.allInstances() {
				if inst.Config["volatile.evacuate.origin"] == mm.ServerName {
					delete(inst.Config, "volatile.evacuate.origin")
					inst.Location = mm.ServerName
				}
			}
			mm.Status, mm.Message = "Online", "Fully operational"
			return ""
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown action %q", req.Action))
		return
	}
	m.startOperation(w, desc, map[string][]string{"cluster": {"/1.0/cluster/members/" + mm.ServerName}}, failWith(r), work)
}

// allInstances lists the instances of every project; m.mu is held.
func (m *Incus) allInstances() []*mockInstance {
	var out []*mockInstance
	for _, p := range m.projects {
		for _, inst := range p.instances {
			out = append(out, inst)
		}
	}
	return out
}

// instanceTarget is where a new instance goes: the target member (or the
// first online member of a target `@group`), the first online member
// without one, "none" on a standalone server; or incusd's refusal (text and
// status). m.mu is held.
func (m *Incus) instanceTarget(target string) (location, msg string, status int) {
	if m.cluster == nil {
		if target != "" {
			return "", "Target only allowed when clustered", http.StatusBadRequest
		}
		return "none", "", 0
	}
	candidates := m.cluster.members
	if group, ok := strings.CutPrefix(target, "@"); ok {
		g := m.cluster.groups[group]
		if g == nil {
			return "", fmt.Sprintf("Cluster group %q doesn't exist", group), http.StatusBadRequest
		}
		candidates = nil
		for _, name := range g.Members {
			candidates = append(candidates, m.member(name))
		}
	} else if target != "" {
		if m.member(target) == nil {
			return "", fmt.Sprintf("Cluster member %q not found", target), http.StatusNotFound
		}
		return target, "", 0
	}
	for _, mm := range candidates {
		if mm.Status == "Online" {
			return mm.ServerName, "", 0
		}
	}
	return m.cluster.members[0].ServerName, "", 0
}

func (m *Incus) listGroups(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(m.cluster.groups))
	for n := range m.cluster.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") == "" {
		urls := []string{}
		for _, n := range names {
			urls = append(urls, "/1.0/cluster/groups/"+n)
		}
		writeSync(w, urls, "")
		return
	}
	out := []api.ClusterGroup{}
	for _, n := range names {
		out = append(out, groupView(m.cluster.groups[n]))
	}
	writeSync(w, out, "")
}

func groupView(g *api.ClusterGroup) api.ClusterGroup {
	out := *g
	out.Members = append([]string{}, g.Members...)
	return out
}

// groupNameProblem is incusd 6.0.4's check of a group name (400).
func groupNameProblem(name string) string {
	switch {
	case name == "":
		return "No name provided"
	case strings.Contains(name, "/"):
		return "Cluster group names may not contain slashes"
	}
	return ""
}

// createGroup is POST /1.0/cluster/groups. A member that does not exist
// fails the whole create, as incusd's database insert does.
func (m *Incus) createGroup(w http.ResponseWriter, r *http.Request) {
	var req api.ClusterGroupsPost
	if !decode(w, r, &req) {
		return
	}
	if msg := groupNameProblem(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if m.cluster.groups[req.Name] != nil {
		writeError(w, http.StatusInternalServerError, `Failed to create "cluster_groups" entry: UNIQUE constraint failed: cluster_groups.name`)
		return
	}
	for _, name := range req.Members {
		if m.member(name) == nil {
			writeError(w, http.StatusInternalServerError, `Failed to create "nodes_clusters_groups" entry: NOT NULL constraint failed: nodes_cluster_groups.node_id`)
			return
		}
	}
	g := &api.ClusterGroup{ClusterGroupPost: api.ClusterGroupPost{Name: req.Name}, ClusterGroupPut: api.ClusterGroupPut{Description: req.Description, Members: []string{}}}
	m.cluster.groups[req.Name] = g
	m.setGroupMembers(g, req.Members)
	writeCreated(w, "/1.0/cluster/groups/"+req.Name, nil)
}

// setGroupMembers makes g's members the given ones. A member leaving its
// last group stays in it: incusd keeps every member in a group and says
// nothing.
func (m *Incus) setGroupMembers(g *api.ClusterGroup, members []string) {
	for _, name := range g.Members {
		mm := m.member(name)
		if mm == nil || containsString(members, name) || len(mm.Groups) == 1 {
			continue
		}
		mm.Groups = removeString(mm.Groups, g.Name)
		g.Members = removeString(g.Members, name)
	}
	for _, name := range members {
		if mm := m.member(name); mm != nil && !containsString(g.Members, name) {
			g.Members = append(g.Members, name)
			mm.Groups = append(mm.Groups, g.Name)
		}
	}
}

// withGroup serves /1.0/cluster/groups/{name}.
func (m *Incus) withGroup(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	g := m.cluster.groups[name]
	if g == nil {
		writeError(w, http.StatusNotFound, "Cluster_group not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeSync(w, groupView(g), etagOf(groupView(g).ClusterGroupPut))
	case http.MethodPut, http.MethodPatch:
		if !ifMatch(w, r, etagOf(groupView(g).ClusterGroupPut)) {
			return
		}
		var req api.ClusterGroupPut
		if r.Method == http.MethodPatch {
			req = groupView(g).ClusterGroupPut
		}
		if !decode(w, r, &req) {
			return
		}
		for _, member := range req.Members {
			if m.member(member) == nil {
				writeError(w, http.StatusNotFound, "Failed to get node info: Cluster member not found")
				return
			}
		}
		g.Description = req.Description
		m.setGroupMembers(g, req.Members)
		writeSync(w, map[string]any{}, "")
	case http.MethodPost:
		var req api.ClusterGroupPost
		if !decode(w, r, &req) {
			return
		}
		switch {
		case name == "default":
			writeError(w, http.StatusForbidden, `The "default" group cannot be renamed`)
			return
		case groupNameProblem(req.Name) != "":
			writeError(w, http.StatusBadRequest, groupNameProblem(req.Name))
			return
		case m.cluster.groups[req.Name] != nil:
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Name %q already in use", req.Name))
			return
		}
		delete(m.cluster.groups, name)
		g.Name = req.Name
		m.cluster.groups[req.Name] = g
		for _, member := range g.Members {
			if mm := m.member(member); mm != nil {
				for i, gn := range mm.Groups {
					if gn == name {
						mm.Groups[i] = req.Name
					}
				}
			}
		}
		writeCreated(w, "/1.0/cluster/groups/"+req.Name, nil)
	case http.MethodDelete:
		switch {
		case name == "default":
			writeError(w, http.StatusForbidden, "The 'default' cluster group cannot be deleted")
			return
		case len(g.Members) > 0:
			writeError(w, http.StatusInternalServerError, "Only empty cluster groups can be removed")
			return
		}
		delete(m.cluster.groups, name)
		writeSync(w, map[string]any{}, "")
	}
}

// memberPoolKeys are the pool keys each member has for itself (incusd
// 6.0.4's db.NodeSpecificStorageConfig).
var memberPoolKeys = map[string]bool{
	"size": true, "source": true, "volatile.initial_source": true,
	"zfs.pool_name": true, "lvm.thinpool_name": true, "lvm.vg_name": true,
}

// createClusterPool is POST /1.0/storage-pools on a cluster, with
// incusd's two steps: with a target it defines the pool on that member
// (member keys only; the pool stays pending), without one it creates the
// pool once every member has it defined. m.mu is held.
func (m *Incus) createClusterPool(w http.ResponseWriter, r *http.Request, req api.StoragePoolsPost) {
	c := m.cluster
	target := r.URL.Query().Get("target")
	pending := c.pendingPools[req.Name]
	if target != "" {
		for _, k := range sortedKeys(req.Config) {
			if !memberPoolKeys[k] {
				writeError(w, http.StatusInternalServerError, fmt.Sprintf("Config key %q may not be used as member-specific key", k))
				return
			}
		}
		if msg := validatePoolConfig(req.Driver, req.Config); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
		if m.pools[req.Name] != nil || (pending != nil && pending.members[target] != nil) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The storage pool already defined on member %q", target))
			return
		}
		if pending == nil {
			pending = &pendingPool{driver: req.Driver, members: map[string]map[string]string{}}
			c.pendingPools[req.Name] = pending
		}
		pending.members[target] = copyMap(req.Config)
		writeCreated(w, "/1.0/storage-pools/"+req.Name+"?target="+target, nil)
		return
	}
	for _, k := range sortedKeys(req.Config) {
		if memberPoolKeys[k] {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Config key %q is cluster member specific", k))
			return
		}
	}
	switch {
	case m.pools[req.Name] != nil:
		writeError(w, http.StatusInternalServerError, "The storage pool is already created")
		return
	case pending == nil:
		writeError(w, http.StatusInternalServerError, "Pool not pending on any node (use --target <node> first)")
		return
	case pending.driver != req.Driver:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Requested storage pool driver %q doesn't match driver in existing database record %q", req.Driver, pending.driver))
		return
	}
	var missing []string
	for _, mm := range c.members {
		if pending.members[mm.ServerName] == nil {
			missing = append(missing, mm.ServerName)
		}
	}
	if len(missing) > 0 {
		writeError(w, http.StatusInternalServerError, "Pool not defined on nodes: "+strings.Join(missing, ", "))
		return
	}
	if msg := validatePoolConfig(req.Driver, req.Config); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	pool := m.addPool(req.Name, req.Driver, req.Description)
	// The fake keeps one config: the first member's own keys with the
	// cluster's (incusd shows each member its own).
	for k, v := range pending.members[c.members[0].ServerName] {
		pool.Config[k] = v
	}
	for k, v := range req.Config {
		pool.Config[k] = v
	}
	delete(c.pendingPools, req.Name)
	writeCreated(w, "/1.0/storage-pools/"+req.Name, nil)
}

// createClusterNetwork is POST /1.0/networks on a cluster: as pools, a
// network is defined on each member (member keys only, checked by the
// caller), then created. m.mu is held.
func (m *Incus) createClusterNetwork(w http.ResponseWriter, r *http.Request, req api.NetworksPost, project string) {
	c := m.cluster
	target := r.URL.Query().Get("target")
	if req.Type == "" {
		req.Type = "bridge"
	}
	pending := c.pendingNetworks[req.Name]
	if target != "" {
		if m.networks[req.Name] != nil || (pending != nil && pending.members[target] != nil) {
			writeError(w, http.StatusConflict, fmt.Sprintf("Network %q is already defined on member %q", req.Name, target))
			return
		}
		if pending == nil {
			pending = &pendingPool{driver: req.Type, members: map[string]map[string]string{}}
			c.pendingNetworks[req.Name] = pending
		}
		pending.members[target] = copyMap(req.Config)
		writeCreated(w, "/1.0/networks/"+req.Name+"?target="+target, nil)
		return
	}
	for _, k := range sortedKeys(req.Config) {
		if memberKeys[k] {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Config key %q is cluster member specific", k))
			return
		}
	}
	switch {
	case m.networks[req.Name] != nil:
		writeError(w, http.StatusInternalServerError, "The network is already created")
		return
	case pending == nil:
		writeError(w, http.StatusInternalServerError, "Network not pending on any node (use --target <node> first)")
		return
	case pending.driver != req.Type:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Requested network type %q doesn't match type in existing database record %q", req.Type, pending.driver))
		return
	}
	var missing []string
	for _, mm := range c.members {
		if pending.members[mm.ServerName] == nil {
			missing = append(missing, mm.ServerName)
		}
	}
	if len(missing) > 0 {
		writeError(w, http.StatusInternalServerError, "Network not defined on nodes: "+strings.Join(missing, ", "))
		return
	}
	// The first member's keys pass the driver's checks (a macvlan's parent).
	full := req
	full.Config = copyMap(pending.members[c.members[0].ServerName])
	for k, v := range req.Config {
		full.Config[k] = v
	}
	m.createChecked(w, full, project)
	if n := m.networks[req.Name]; n != nil {
		// Member keys are shown to a request with that member's target.
		n.members = pending.members
		for k := range full.Config {
			if memberKeys[k] {
				delete(n.config, k)
			}
		}
		delete(c.pendingNetworks, req.Name)
	}
}
