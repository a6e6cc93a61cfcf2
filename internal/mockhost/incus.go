// Package mockhost is a fake Incus daemon (on a unix socket) and, later, a
// fake kvmd, that speak the real wire protocols closely enough that the
// official Incus Go client and the provider work against them unchanged.
// They keep their state in memory, count requests, and inject faults on
// demand. Behaviour follows what incusd 6.0 really answers, including its
// quirks (a duplicate name fails the create operation; the wait of a failed
// operation answers HTTP 200 with an error body).
package mockhost

import (
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
	pools    map[string]bool // storage pools that exist
	ops      map[string]*mockOperation
	trusted  map[string]bool // client certificate fingerprints (HTTPS)
	tokens   map[string]bool // unused trust tokens

	tlsServers []*http.Server

	// opts is what Reset goes back to.
	opts IncusOptions
	// nics counts NICs made, for distinct MAC addresses.
	nics int
}

type mockProject struct {
	instances map[string]*mockInstance
	profiles  map[string]*api.Profile
}

type mockInstance struct {
	api.Instance
	running bool
	frozen  bool
	// leases are the addresses of its NICs, by device name.
	leases map[string]lease
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
	m.pools = map[string]bool{"default": true}
	m.ops = map[string]*mockOperation{}
	m.addProject("default")
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
	p := &mockProject{instances: map[string]*mockInstance{}, profiles: map[string]*api.Profile{}}
	p.profiles["default"] = &api.Profile{Name: "default", ProfilePut: api.ProfilePut{
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

// serve routes a request, after counting it and applying faults.
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
	project := r.URL.Query().Get("project")
	if project == "" {
		project = "default"
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	parts := pathParts(r)
	if len(parts) == 0 || parts[0] != "1.0" {
		if path == "" {
			writeSync(w, []string{"/1.0"}, "")
			return
		}
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	parts = parts[1:]
	switch {
	case len(parts) == 0:
		m.getServer(w)
	case parts[0] == "operations":
		m.routeOperations(w, r, parts[1:])
	case parts[0] == "projects":
		m.routeProjects(w, r, parts[1:])
	case parts[0] == "images":
		m.routeImages(w, r, parts[1:], false)
	case parts[0] == "profiles":
		m.routeProfiles(w, r, project, parts[1:])
	case parts[0] == "instances":
		m.routeInstances(w, r, project, parts[1:], fault)
	case parts[0] == "events":
		writeError(w, http.StatusNotImplemented, "the mock host has no events websocket; connect with SkipGetEvents")
	default:
		writeError(w, http.StatusNotFound, "not found")
	}
}

// pathParts splits the request path into its segments, each unescaped, so
// that names holding a "/" (an alias such as "debian/12", sent as
// debian%2F12) stay one segment.
func pathParts(r *http.Request) []string {
	raw := strings.Trim(r.URL.EscapedPath(), "/")
	parts := strings.Split(raw, "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

func (m *Incus) getServer(w http.ResponseWriter) {
	writeSync(w, api.Server{
		ServerUntrusted: api.ServerUntrusted{
			APIExtensions: []string{"instance_get_full", "instance_create_start", "instances", "projects", "operation_wait"},
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

// lookupProject returns the project or writes a 404 like incusd.
func (m *Incus) lookupProject(w http.ResponseWriter, name string) *mockProject {
	p, ok := m.projects[name]
	if !ok {
		writeError(w, http.StatusNotFound, "Project not found")
		return nil
	}
	return p
}

func (m *Incus) routeProjects(w http.ResponseWriter, r *http.Request, parts []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		names := make([]string, 0, len(m.projects))
		for n := range m.projects {
			names = append(names, "/1.0/projects/"+n)
		}
		sort.Strings(names)
		writeSync(w, names, "")
	case len(parts) == 1 && r.Method == http.MethodGet:
		if m.lookupProject(w, parts[0]) == nil {
			return
		}
		writeSync(w, api.Project{Name: parts[0], ProjectPut: api.ProjectPut{Config: map[string]string{"features.profiles": "true"}}}, "")
	default:
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// routeImages serves /1.0/images. publicOnly is for untrusted clients, who
// see public images and the aliases that point at them, as incusd shows them.
func (m *Incus) routeImages(w http.ResponseWriter, r *http.Request, parts []string, publicOnly bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if publicOnly && (r.Method != http.MethodGet || len(parts) == 0) {
		writeError(w, http.StatusForbidden, "not authorized")
		return
	}
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		list := []string{}
		for fp := range m.images {
			list = append(list, "/1.0/images/"+fp)
		}
		sort.Strings(list)
		writeSync(w, list, "")
	case len(parts) == 1 && parts[0] == "aliases" && r.Method == http.MethodPost:
		var req api.ImageAliasesPost
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		img := m.findImage(req.Target)
		if img == nil || req.Target == "" {
			writeError(w, http.StatusNotFound, "Image not found")
			return
		}
		if _, ok := m.aliases[req.Name]; ok {
			writeError(w, http.StatusConflict, "Alias already exists")
			return
		}
		m.aliases[req.Name] = img.Fingerprint
		img.Aliases = append(img.Aliases, api.ImageAlias{Name: req.Name, Description: req.Description})
		writeSync(w, nil, "")
	case len(parts) == 2 && parts[0] == "aliases" && r.Method == http.MethodDelete:
		fp, ok := m.aliases[parts[1]]
		if !ok {
			writeError(w, http.StatusNotFound, "Image alias not found")
			return
		}
		delete(m.aliases, parts[1])
		img := m.images[fp]
		for i, a := range img.Aliases {
			if a.Name == parts[1] {
				img.Aliases = append(img.Aliases[:i], img.Aliases[i+1:]...)
				break
			}
		}
		writeSync(w, nil, "")
	case len(parts) == 2 && parts[0] == "aliases" && r.Method == http.MethodGet:
		fp, ok := m.aliases[parts[1]]
		img := m.images[fp]
		if !ok || img == nil || (publicOnly && !img.Public) {
			writeError(w, http.StatusNotFound, "Image alias not found")
			return
		}
		entry := api.ImageAliasesEntry{Name: parts[1], Type: img.Type, ImageAliasesEntryPut: api.ImageAliasesEntryPut{Target: fp}}
		writeSync(w, entry, etagOf(entry))
	case len(parts) == 1 && r.Method == http.MethodGet:
		img, ambiguous := m.lookupImage(parts[0])
		if ambiguous {
			// incusd answers this with a plain error (HTTP 500).
			writeError(w, http.StatusInternalServerError, "More than one image matches")
			return
		}
		if img == nil || (publicOnly && !img.Public) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Image %q not found", parts[0]))
			return
		}
		writeSync(w, img, "")
	default:
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// findImage resolves a full or partial fingerprint (nil when none or
// several images match).
func (m *Incus) findImage(prefix string) *api.Image {
	img, _ := m.lookupImage(prefix)
	return img
}

// lookupImage resolves a full or partial fingerprint, and says when the
// prefix is ambiguous.
func (m *Incus) lookupImage(prefix string) (img *api.Image, ambiguous bool) {
	if prefix == "" {
		return nil, false
	}
	for fp, i := range m.images {
		if strings.HasPrefix(fp, prefix) {
			if img != nil {
				return nil, true
			}
			img = i
		}
	}
	return img, false
}

func (m *Incus) routeProfiles(w http.ResponseWriter, r *http.Request, project string, parts []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.lookupProject(w, project)
	if p == nil {
		return
	}
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		list := []string{}
		for n := range p.profiles {
			list = append(list, "/1.0/profiles/"+n)
		}
		sort.Strings(list)
		writeSync(w, list, "")
	case len(parts) == 0 && r.Method == http.MethodPost:
		var req api.ProfilesPost
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if _, ok := p.profiles[req.Name]; ok {
			writeError(w, http.StatusConflict, fmt.Sprintf("Error inserting %q into database: The profile already exists", req.Name))
			return
		}
		prof := &api.Profile{Name: req.Name, ProfilePut: req.ProfilePut}
		if prof.Config == nil {
			prof.Config = map[string]string{}
		}
		if prof.Devices == nil {
			prof.Devices = map[string]map[string]string{}
		}
		p.profiles[req.Name] = prof
		writeSync(w, nil, "")
	case len(parts) == 1 && r.Method == http.MethodGet:
		prof, ok := p.profiles[parts[0]]
		if !ok {
			writeError(w, http.StatusNotFound, "Profile not found")
			return
		}
		writeSync(w, prof, etagOf(prof.Writable()))
	case len(parts) == 1 && r.Method == http.MethodDelete:
		if _, ok := p.profiles[parts[0]]; !ok {
			writeError(w, http.StatusNotFound, "Profile not found")
			return
		}
		for _, inst := range p.instances {
			for _, n := range inst.Profiles {
				if n == parts[0] {
					writeError(w, http.StatusBadRequest, "Profile is currently in use")
					return
				}
			}
		}
		delete(p.profiles, parts[0])
		writeSync(w, nil, "")
	default:
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// writeSync writes incusd's sync envelope.
func writeSync(w http.ResponseWriter, metadata any, etag string) {
	if etag != "" {
		w.Header().Set("ETag", etag)
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
