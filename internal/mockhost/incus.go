// Package mockhost is a fake Incus daemon (on a unix socket) and, later, a
// fake kvmd, that speak the real wire protocols closely enough that the
// official Incus Go client and the provider work against them unchanged.
// They keep their state in memory, count requests, and inject faults on
// demand. Behaviour follows what incusd 6.0 really answers, including its
// quirks (a duplicate name fails the create operation; the wait of a failed
// operation answers HTTP 200 with an error body).
package mockhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// Incus is a fake incusd serving the REST API on a unix socket.
type Incus struct {
	// OperationDelay is how long each background operation takes.
	OperationDelay time.Duration

	socket string
	// epoch counts restarts.
	epoch atomic.Int64
	// life guards the listener and server, which a Restart replaces.
	life     sync.Mutex
	closed   bool
	listener net.Listener
	server   *http.Server
	faults   faults
	requests atomic.Int64

	mu       sync.Mutex
	projects map[string]*mockProject
	images   map[string]*api.Image // by fingerprint
	aliases  map[string]string     // alias -> fingerprint
	networks map[string]*mockNetwork
	pools    map[string]*mockPool
	zones    map[string]*mockZone // network zones, by name (server-wide)
	ovn      *ovnState            // network integrations and peers (incus_network_ovn.go)
	ops      map[string]*mockOperation
	trusted  map[string]bool // client certificate fingerprints (HTTPS)
	tokens   map[string]bool // unused trust tokens
	// instSnapshots are the instances' snapshots (incus_instance_snapshots.go).
	instSnapshots map[*mockInstance]map[string]*api.InstanceSnapshot
	// certs is the trust store (incus_certificates.go), by fingerprint.
	certs map[string]*api.Certificate
	// tokenOps are the open trust tokens' operations, by secret.
	tokenOps map[string]*tokenOperation
	// revokedTokenLifetimes: how long each revoked trust token was open.
	revokedTokenLifetimes []time.Duration
	// serverFingerprint is the HTTPS certificate's (ServeTLS).
	serverFingerprint string
	// tokenExpiry is core.remote_token_expiry (SetTrustTokenExpiry).
	tokenExpiry time.Duration

	tlsServers []*http.Server
	// mux routes the API (incus_*.go add their routes in routes).
	mux *http.ServeMux
	// publicMux is what untrusted HTTPS clients may read.
	publicMux *http.ServeMux

	// opts is what Reset goes back to.
	opts IncusOptions
	// nics counts NICs made, for distinct MAC addresses.
	nics int
	// hidden are API extensions GET /1.0 leaves out and whose routes answer
	// 404, as an older incusd's router does (HideExtensions).
	hidden map[string]bool

	// serverConfig is the server's (the cluster's) config, localServer a
	// standalone server's own keys, cluster the cluster (nil when
	// standalone): incus_cluster.go.
	serverConfig map[string]string
	localServer  map[string]string
	cluster      *mockCluster
}

type mockProject struct {
	name        string
	description string
	config      map[string]string
	instances   map[string]*mockInstance
	// profiles are the project's own; with features.profiles off it uses
	// the default project's (profilesOf).
	profiles map[string]*api.Profile
	// acls are the project's network ACLs (incus_network_acls.go).
	acls map[string]*api.NetworkACL
	// addressSets are its network address sets (incus_network_address_sets.go).
	addressSets map[string]*api.NetworkAddressSet
}

type mockInstance struct {
	api.Instance
	running bool
	frozen  bool
	// leases are the addresses of its NICs, by device name.
	leases map[string]lease
	// dayTwo holds its simulated files and exec logs (incus_instance_files.go).
	dayTwo *mockDayTwo
}

// IncusOptions shape the state a fake incusd starts with (and goes back to
// on Reset).
type IncusOptions struct {
	// ImageAlias names the built-in busybox-like container image; "" for none.
	ImageAlias string
	// AdminInit makes the daemon look like one just set up by `incus admin
	// init` with its defaults: a managed bridge "incusbr0" (192.0.2.1/24 and
	// 2001:db8::1/64, documentation ranges nothing is ever sent to) and a
	// NIC "eth0" on it in the default profile, so instances get addresses.
	// Without it the default profile holds only the root disk, as on the
	// real test daemon, and the bridge is "mockbr0" (10.99.0.1/24,
	// fd42:99::1/64), used only by devices that name it.
	AdminInit bool
	// Seed is added on top.
	Seed *Seed
	// Cluster, when set, makes the fake a cluster of these members (the
	// first one answers), on 127.0.0.11:8443, .12, ...: incus_cluster.go.
	Cluster []string
}

// StartIncus starts a fake incusd listening on socketPath, with a "default"
// project holding a "default" profile (a root disk on pool "default") and one
// busybox-like image under the given alias.
func StartIncus(socketPath, imageAlias string) (*Incus, error) {
	return StartIncusWith(socketPath, IncusOptions{ImageAlias: imageAlias})
}

// StartIncusWith starts a fake incusd listening on socketPath with the
// state opts describe.
func StartIncusWith(socketPath string, opts IncusOptions) (*Incus, error) {
	m := &Incus{
		socket:  socketPath,
		trusted: map[string]bool{},
		tokens:  map[string]bool{},
		opts:    opts,
	}
	m.mux = m.routes()
	m.publicMux = m.publicImageRoutes()
	if err := m.resetState(); err != nil {
		return nil, err
	}
	_ = os.Remove(socketPath)
	l, err := net.Listen("unix", socketPath)
	if err != nil {
		return nil, err
	}
	m.listener = l
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	m.server = srv
	go func() { _ = srv.Serve(l) }()
	return m, nil
}

// resetState builds the state of m.opts; m.mu is held (or m unshared).
func (m *Incus) resetState() error {
	m.projects = map[string]*mockProject{}
	m.images = map[string]*api.Image{}
	m.aliases = map[string]string{}
	m.pools = map[string]*mockPool{}
	m.zones = map[string]*mockZone{}
	m.ovn = newOVNState()
	m.addPool("default", "dir", "")
	m.ops = map[string]*mockOperation{}
	m.resetServer()
	m.addProject("default")
	m.projects["default"].seedDefault()
	bridge, v4, v6 := "mockbr0", "10.99.0.1/24", "fd42:99::1/64"
	if m.opts.AdminInit {
		bridge, v4, v6 = "incusbr0", "192.0.2.1/24", "2001:db8::1/64"
		m.projects["default"].profiles["default"].Devices["eth0"] = map[string]string{"type": "nic", "network": bridge, "name": "eth0"}
	}
	n, err := newNetwork(bridge, v4, v6, "")
	if err != nil {
		return err
	}
	m.networks = map[string]*mockNetwork{bridge: n}
	if m.opts.ImageAlias != "" {
		m.addImage(m.opts.ImageAlias, "busybox test image")
	}
	if m.opts.Seed != nil {
		return m.applySeed(m.opts.Seed)
	}
	return nil
}

// Reset brings the fake back to the state it started with: instances,
// operations and faults are gone, images, profiles, networks and projects
// are those of its options again. Trusted client certificates stay.
func (m *Incus) Reset() error {
	m.faults.Clear()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mop := range m.ops {
		if !mop.ended {
			mop.end("the daemon was reset")
		}
	}
	return m.resetState()
}

// Networks describes the fake's bridges, one line each (for people).
func (m *Incus) Networks() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, name := range m.networkNames() {
		n := m.networks[name]
		out = append(out, fmt.Sprintf("%s (ipv4 %s, ipv6 %s)", name, prefixOrNone(n.ipv4), prefixOrNone(n.ipv6)))
	}
	return out
}

// ImageAliases lists the image aliases, sorted.
func (m *Incus) ImageAliases() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.aliases))
	for a := range m.aliases {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Socket is the unix socket the fake listens on.
func (m *Incus) Socket() string { return m.socket }

// Close stops the server.
func (m *Incus) Close() error {
	m.life.Lock()
	defer m.life.Unlock()
	m.closed = true
	err := m.server.Close()
	for _, s := range m.tlsServers {
		_ = s.Close()
	}
	_ = os.Remove(m.socket)
	return err
}

// InstanceNames lists the instances of the default project, sorted.
func (m *Incus) InstanceNames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := []string{}
	if p, ok := m.projects["default"]; ok {
		for n := range p.instances {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Requests is the number of API requests served so far.
func (m *Incus) Requests() int64 { return m.requests.Load() }

// InjectFault adds a fault; call the returned function to remove it.
func (m *Incus) InjectFault(f Fault) (remove func()) { return m.faults.Add(f) }

// ClearFaults removes every injected fault.
func (m *Incus) ClearFaults() { m.faults.Clear() }

// AddImage registers an image under an alias and returns its fingerprint.
func (m *Incus) AddImage(alias, description string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addImage(alias, description)
}

func (m *Incus) addImage(alias, description string) string {
	sum := sha256.Sum256([]byte(alias))
	fp := hex.EncodeToString(sum[:])
	m.images[fp] = &api.Image{
		Fingerprint:  fp,
		Architecture: "x86_64",
		Type:         "container",
		Aliases:      []api.ImageAlias{{Name: alias}},
		ImagePut:     api.ImagePut{Properties: map[string]string{"description": description, "os": "busybox", "release": "1"}},
		UploadedAt:   time.Now().UTC(),
	}
	m.aliases[alias] = fp
	return fp
}

// CopyImage registers an image under a given fingerprint, as `incus image
// copy` brings another server's image, with its aliases; a public image is
// shown to untrusted clients (an image server). Aliases that exist are
// pointed at it.
func (m *Incus) CopyImage(fingerprint, imageType string, public bool, aliases ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	img := &api.Image{
		Fingerprint:  fingerprint,
		Architecture: "x86_64",
		Type:         imageType,
		ImagePut:     api.ImagePut{Public: public, Properties: map[string]string{"description": "copied image", "os": "busybox", "release": "1"}},
		UploadedAt:   time.Now().UTC(),
	}
	m.images[fingerprint] = img
	for _, a := range aliases {
		if old, ok := m.images[m.aliases[a]]; ok {
			old.Aliases = removeAlias(old.Aliases, a)
		}
		m.aliases[a] = fingerprint
		img.Aliases = append(img.Aliases, api.ImageAlias{Name: a})
	}
}

func removeAlias(list []api.ImageAlias, name string) []api.ImageAlias {
	out := []api.ImageAlias{}
	for _, a := range list {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

func (m *Incus) addProject(name string) {
	p := newProject(name, "", nil)
	p.profiles["default"] = &api.Profile{Name: "default", Project: name, ProfilePut: api.ProfilePut{
		Config:  map[string]string{},
		Devices: map[string]map[string]string{"root": {"type": "disk", "path": "/", "pool": "default"}},
	}}
	m.projects[name] = p
}

// AddProject creates a project with a default profile.
func (m *Incus) AddProject(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.projects[name]; !ok {
		m.addProject(name)
	}
}

// ServeHTTP answers a request, unless the daemon restarted while handling
// it: then, as with a real crash, the client gets no answer at all (answers
// are held until the handler ends so that none slips out).
func (m *Incus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	epoch := m.epoch.Load()
	held := &heldResponse{w: w, header: http.Header{}}
	m.serve(held, r)
	if m.epoch.Load() != epoch {
		dropConnection(w)
		return
	}
	held.send()
}

// faultKey carries the request's fault (FailOperation) to the handlers.
type faultKey struct{}

// serve counts a request, applies faults, then routes it through the mux.
func (m *Incus) serve(w http.ResponseWriter, r *http.Request) {
	m.requests.Add(1)
	fault, answered := m.faults.intercept(w, r, func(w http.ResponseWriter, status int, msg string) {
		if msg == "" {
			msg = http.StatusText(status)
		}
		writeError(w, status, msg)
	})
	defer fault.after()
	if answered {
		return
	}
	if fault != nil {
		r = r.WithContext(context.WithValue(r.Context(), faultKey{}, fault))
	}
	m.dispatch(m.mux, w, r)
}

// dispatch serves r through mux, answering what no route takes with the
// daemon's JSON error body (404 for an unknown path, 405 for a method the
// path does not take) rather than the mux's plain text.
func (m *Incus) dispatch(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	if m.hiddenRoute(r.URL.Path) {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if h, pattern := mux.Handler(r); pattern == "" {
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	mux.ServeHTTP(w, r)
}

// statusOnly records the status a handler writes, and drops the rest.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header { return s.header }
func (s *statusOnly) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}
func (s *statusOnly) Write(b []byte) (int, error) { s.WriteHeader(http.StatusOK); return len(b), nil }

// failWith is the text an injected FailOperation fault fails the request's
// operation with, "" when there is none.
func failWith(r *http.Request) string {
	fault, _ := r.Context().Value(faultKey{}).(*Fault)
	if fault == nil || !fault.FailOperation {
		return ""
	}
	if fault.Message == "" {
		return "injected failure"
	}
	return fault.Message
}

// routes builds the API's routes, one family per file.
func (m *Incus) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", m.getRoot)
	m.serverRoutes(mux)
	m.clusterRoutes(mux)
	m.operationRoutes(mux)
	m.projectRoutes(mux)
	m.profileRoutes(mux)
	m.imageRoutes(mux)
	m.instanceRoutes(mux)
	m.storagePoolRoutes(mux)
	m.storageVolumeRoutes(mux)
	m.storageBucketRoutes(mux)
	m.networkRoutes(mux)
	m.networkZoneRoutes(mux)
	m.networkACLRoutes(mux)
	m.networkAddressSetRoutes(mux)
	m.networkForwardRoutes(mux)
	m.networkOVNRoutes(mux)
	m.instanceSnapshotRoutes(mux)
	m.certificateRoutes(mux)
	return mux
}

// projectParam is the request's ?project= ("default" when absent).
func projectParam(r *http.Request) string {
	if p := r.URL.Query().Get("project"); p != "" {
		return p
	}
	return "default"
}

// decode reads a JSON body, answering 400 as incusd does when it is not JSON.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return false
	}
	return true
}

// ifMatch checks the request's If-Match against the object's current ETag
// and answers 412 with incusd's text when they differ; no If-Match passes.
func ifMatch(w http.ResponseWriter, r *http.Request, current string) bool {
	match := strings.Trim(r.Header.Get("If-Match"), `"`)
	if match == "" || match == current {
		return true
	}
	writeError(w, http.StatusPreconditionFailed, fmt.Sprintf("ETag doesn't match: %s vs %s", current, match))
	return false
}

// writeCreated answers a synchronous create as incusd does: 201 with the
// new object's URL in Location.
func writeCreated(w http.ResponseWriter, location string, metadata any) {
	w.Header().Set("Location", location)
	writeJSON(w, http.StatusCreated, map[string]any{
		"type": "sync", "status": "Success", "status_code": 200,
		"operation": "", "error_code": 0, "error": "", "metadata": metadata,
	})
}

// writeEmpty is incusd's answer to a synchronous update or delete.
func writeEmpty(w http.ResponseWriter) { writeSync(w, map[string]any{}, "") }

// withProject adds ?project= to an object URL outside the default project,
// as incusd writes used_by entries.
func withProject(u, project string) string {
	if project == "" || project == "default" {
		return u
	}
	return u + "?project=" + url.QueryEscape(project)
}

// writeSync writes incusd's sync envelope.
func writeSync(w http.ResponseWriter, metadata any, etag string) {
	if etag != "" {
		w.Header().Set("ETag", `"`+strings.Trim(etag, `"`)+`"`)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type": "sync", "status": "Success", "status_code": 200,
		"operation": "", "error_code": 0, "error": "", "metadata": metadata,
	})
}

// writeError writes incusd's error envelope with the given HTTP status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{
		"type": "error", "status": "", "status_code": 0, "operation": "",
		"error_code": status, "error": msg, "metadata": nil,
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func etagOf(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
