package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// projectFeatures are the features.* keys a new project gets ("true") when
// its creator sends a config without them, as incusd 6.0 does;
// features.networks is off unless asked for.
var projectFeatures = []string{"features.images", "features.profiles", "features.storage.buckets", "features.storage.volumes"}

// projectKeys are the project config keys incusd 6.0 takes (besides the
// prefixes of projectKeyPrefixes).
var projectKeys = map[string]bool{
	"features.images": true, "features.networks": true, "features.networks.zones": true, "features.profiles": true,
	"features.storage.buckets": true, "features.storage.volumes": true, "backups.compression_algorithm": true,
	"images.auto_update_cached": true, "images.auto_update_interval": true, "images.compression_algorithm": true,
	"images.default_architecture": true, "images.remote_cache_expiry": true,
	"limits.containers": true, "limits.cpu": true, "limits.disk": true, "limits.instances": true, "limits.memory": true,
	"limits.networks": true, "limits.processes": true, "limits.virtual-machines": true, "restricted": true,
}

var projectKeyPrefixes = []string{"user.", "restricted.", "limits.disk.pool."}

func newProject(name, description string, config map[string]string) *mockProject {
	if config == nil {
		config = map[string]string{}
	}
	return &mockProject{name: name, description: description, config: config,
		instances: map[string]*mockInstance{}, profiles: map[string]*api.Profile{}}
}

// seedDefault gives the default project what incusd 6.0 gives it: its
// description and every feature on.
func (p *mockProject) seedDefault() {
	p.description = "Default Incus project"
	for _, f := range append(projectFeatures, "features.networks", "features.networks.zones") {
		p.config[f] = "true"
	}
}

// feature says whether a project has its own objects of a kind (a
// features.* key); the default project always has.
func (p *mockProject) feature(key string) bool {
	return p.name == "default" || p.config[key] == "true"
}

func (m *Incus) projectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/projects", m.listProjects)
	mux.HandleFunc("POST /1.0/projects", m.createProject)
	mux.HandleFunc("GET /1.0/projects/{name}", m.getProject)
	mux.HandleFunc("PUT /1.0/projects/{name}", m.updateProject)
	mux.HandleFunc("PATCH /1.0/projects/{name}", m.updateProject)
	mux.HandleFunc("POST /1.0/projects/{name}", m.renameProject)
	mux.HandleFunc("DELETE /1.0/projects/{name}", m.deleteProject)
}

func (m *Incus) projectView(p *mockProject) api.Project {
	return api.Project{Name: p.name, UsedBy: m.projectUsedBy(p, true),
		ProjectPut: api.ProjectPut{Description: p.description, Config: copyMap(p.config)}}
}

// projectUsedBy lists what a project holds, sorted, as incusd does;
// withDefault includes its default profile (which does not keep it from
// being deleted).
func (m *Incus) projectUsedBy(p *mockProject, withDefault bool) []string {
	out := []string{}
	for n := range p.instances {
		out = append(out, withProject("/1.0/instances/"+n, p.name))
	}
	if p.name == "default" || p.feature("features.profiles") {
		for n := range p.profiles {
			if n != "default" || withDefault {
				out = append(out, withProject("/1.0/profiles/"+n, p.name))
			}
		}
	}
	if p.name == "default" {
		for fp := range m.images {
			out = append(out, "/1.0/images/"+fp)
		}
	}
	for n := range p.acls {
		out = append(out, withProject("/1.0/network-acls/"+n, p.name))
	}
	for _, pool := range m.pools {
		for n := range pool.volumes[p.name] {
			out = append(out, withProject("/1.0/storage-pools/"+pool.Name+"/volumes/custom/"+n, p.name))
		}
		for n := range pool.buckets[p.name] {
			out = append(out, withProject("/1.0/storage-pools/"+pool.Name+"/buckets/"+n, p.name))
		}
	}
	sort.Strings(out)
	return out
}

func projectETag(p *mockProject) string {
	return etagOf(api.ProjectPut{Description: p.description, Config: p.config})
}

func (m *Incus) listProjects(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.projects))
	for n := range m.projects {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.Project, 0, len(names))
		for _, n := range names {
			list = append(list, m.projectView(m.projects[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/projects/"+n)
	}
	writeSync(w, urls, "")
}

// projectNameError is incusd's 400 for a project name it refuses.
func projectNameError(name string) string {
	switch {
	case name == "":
		return "No name provided"
	case strings.Contains(name, "/"):
		return "Project names may not contain slashes"
	case strings.Contains(name, " "):
		return "Project names may not contain spaces"
	case strings.Contains(name, "_"):
		return "Project names may not contain underscores"
	case strings.Contains(name, "'") || strings.Contains(name, `"`):
		return "Project names may not contain quotes"
	case name == "*":
		return "Reserved project name"
	}
	return ""
}

func validateProjectConfig(cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		if projectKeys[k] {
			continue
		}
		ok := false
		for _, p := range projectKeyPrefixes {
			ok = ok || strings.HasPrefix(k, p)
		}
		if !ok {
			return fmt.Sprintf("Invalid project configuration key %q", k)
		}
	}
	return ""
}

func (m *Incus) createProject(w http.ResponseWriter, r *http.Request) {
	var req api.ProjectsPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if msg := projectNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if msg := validateProjectConfig(req.Config); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if _, ok := m.projects[req.Name]; ok {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf(`Failed creating project %q: Failed adding database record: Failed to create "projects" entry: UNIQUE constraint failed: projects.name`, req.Name))
		return
	}
	cfg := copyMap(req.Config)
	// incusd 6.0 fills in the features only when the request has a config
	// object: `"config": null` (or none) makes a project with none.
	for _, f := range projectFeatures {
		if _, set := cfg[f]; !set && req.Config != nil {
			cfg[f] = "true"
		}
	}
	p := newProject(req.Name, req.Description, cfg)
	if cfg["features.profiles"] == "true" {
		p.profiles["default"] = &api.Profile{Name: "default", Project: req.Name, ProfilePut: api.ProfilePut{
			Description: "Default Incus profile for project " + req.Name,
			Config:      map[string]string{}, Devices: map[string]map[string]string{},
		}}
	}
	m.projects[req.Name] = p
	writeCreated(w, "/1.0/projects/"+req.Name, nil)
}

// lookupProject returns the project or writes incusd's 404.
func (m *Incus) lookupProject(w http.ResponseWriter, name string) *mockProject {
	p, ok := m.projects[name]
	if !ok {
		writeError(w, http.StatusNotFound, "Project not found")
		return nil
	}
	return p
}

func (m *Incus) getProject(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.lookupProject(w, r.PathValue("name"))
	if p == nil {
		return
	}
	writeSync(w, m.projectView(p), projectETag(p))
}

// empty says whether a project holds nothing but its default profile.
func (m *Incus) empty(p *mockProject) bool {
	for _, u := range m.projectUsedBy(p, false) {
		if !strings.HasPrefix(u, "/1.0/images/") {
			return false
		}
	}
	return true
}

func (m *Incus) updateProject(w http.ResponseWriter, r *http.Request) {
	var req api.ProjectPut
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.lookupProject(w, r.PathValue("name"))
	if p == nil || !ifMatch(w, r, projectETag(p)) {
		return
	}
	cfg := req.Config
	if r.Method == http.MethodPatch {
		cfg = copyMap(p.config)
		for k, v := range req.Config {
			cfg[k] = v
		}
		if req.Description == "" {
			req.Description = p.description
		}
	}
	if msg := validateProjectConfig(cfg); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if p.name != "default" && !m.empty(p) {
		for _, f := range append(projectFeatures, "features.networks") {
			if (p.config[f] == "true") == (cfg[f] == "true") {
				continue
			}
			verb := "enabled"
			if p.config[f] == "true" {
				verb = "disabled"
			}
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Project feature %q cannot be %s on non-empty projects", f, verb))
			return
		}
	}
	if p.name != "default" {
		switch had, has := p.config["features.profiles"] == "true", cfg["features.profiles"] == "true"; {
		case has && !had:
			p.profiles["default"] = &api.Profile{Name: "default", Project: p.name, ProfilePut: api.ProfilePut{
				Description: "Default Incus profile for project " + p.name,
				Config:      map[string]string{}, Devices: map[string]map[string]string{},
			}}
		case had && !has:
			delete(p.profiles, "default")
		}
	}
	p.config = copyMap(cfg)
	p.description = req.Description
	writeEmpty(w)
}

func (m *Incus) renameProject(w http.ResponseWriter, r *http.Request) {
	var req api.ProjectPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := r.PathValue("name")
	if name == "default" {
		writeError(w, http.StatusForbidden, "The 'default' project cannot be renamed")
		return
	}
	p := m.lookupProject(w, name)
	if p == nil {
		return
	}
	if msg := projectNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	m.startOperation(w, "Renaming project", map[string][]string{}, failWith(r), func() string {
		if _, taken := m.projects[req.Name]; taken {
			return fmt.Sprintf("A project named %q already exists", req.Name)
		}
		if !m.empty(p) {
			return "Only empty projects can be renamed"
		}
		delete(m.projects, p.name)
		p.name = req.Name
		for _, prof := range p.profiles {
			prof.Project = req.Name
		}
		m.projects[req.Name] = p
		return ""
	})
}

func (m *Incus) deleteProject(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := r.PathValue("name")
	if name == "default" {
		writeError(w, http.StatusForbidden, "The 'default' project cannot be deleted")
		return
	}
	p := m.lookupProject(w, name)
	if p == nil {
		return
	}
	if !m.empty(p) {
		writeError(w, http.StatusInternalServerError, "Only empty projects can be removed.")
		return
	}
	delete(m.projects, name)
	writeEmpty(w)
}

func sortedKeys(in map[string]string) []string {
	out := make([]string, 0, len(in))
	for k := range in {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
