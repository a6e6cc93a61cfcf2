package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Profiles live in their project when it has features.profiles, else in
// the default project, as in incusd: the same profile answers under both.

func (m *Incus) profileRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/profiles", m.listProfiles)
	mux.HandleFunc("POST /1.0/profiles", m.createProfile)
	mux.HandleFunc("GET /1.0/profiles/{name}", m.getProfile)
	mux.HandleFunc("PUT /1.0/profiles/{name}", m.updateProfile)
	mux.HandleFunc("PATCH /1.0/profiles/{name}", m.updateProfile)
	mux.HandleFunc("POST /1.0/profiles/{name}", m.renameProfile)
	mux.HandleFunc("DELETE /1.0/profiles/{name}", m.deleteProfile)
}

// profileProject is the project whose profiles a request's project uses,
// or nil after writing incusd's 404 for a missing project.
func (m *Incus) profileProject(w http.ResponseWriter, r *http.Request) *mockProject {
	name := projectParam(r)
	p, ok := m.projects[name]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Failed loading project %q: Project not found", name))
		return nil
	}
	return m.profilesOf(p)
}

// profilesOf is the project holding the profiles that p uses.
func (m *Incus) profilesOf(p *mockProject) *mockProject {
	if p.feature("features.profiles") {
		return p
	}
	return m.projects["default"]
}

// profileUsedBy lists the instances using a profile: those of its project
// and of every project that borrows its profiles.
func (m *Incus) profileUsedBy(owner *mockProject, name string) []string {
	out := []string{}
	for _, p := range m.projects {
		if m.profilesOf(p) != owner {
			continue
		}
		for _, inst := range p.instances {
			for _, n := range inst.Profiles {
				if n == name {
					out = append(out, withProject("/1.0/instances/"+inst.Name, p.name))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) profileView(owner *mockProject, prof *api.Profile) api.Profile {
	out := *prof
	out.Project = owner.name
	out.Config = copyMap(prof.Config)
	out.Devices = copyDevices(prof.Devices)
	out.UsedBy = m.profileUsedBy(owner, prof.Name)
	return out
}

func (m *Incus) listProfiles(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.profileProject(w, r)
	if p == nil {
		return
	}
	names := make([]string, 0, len(p.profiles))
	for n := range p.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.Profile, 0, len(names))
		for _, n := range names {
			list = append(list, m.profileView(p, p.profiles[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/profiles/"+n)
	}
	writeSync(w, urls, "")
}

// profileNameError is incusd's 400 for a profile name it refuses.
func profileNameError(name string) string {
	switch {
	case name == "":
		return "No name provided"
	case strings.Contains(name, "/"):
		return "Profile names may not contain slashes"
	case name == "." || name == "..":
		return fmt.Sprintf("Invalid profile name %q", name)
	}
	return ""
}

// checkProfile validates a profile's config and devices as incusd does on
// create and update (400): config keys as an instance's, then each device.
// Unlike an instance, a profile may name pools and volumes that do not exist.
func (m *Incus) checkProfile(put api.ProfilePut) string {
	if msg := validateConfig(put.Config); msg != "" {
		return msg
	}
	for _, n := range sortedNames(put.Devices) {
		d := put.Devices[n]
		if msg := deviceNameError(n); msg != "" {
			return fmt.Sprintf("Device validation failed for %q: %s", n, msg)
		}
		if !knownDeviceTypes[d["type"]] {
			return fmt.Sprintf("Device validation failed for %q: Failed loading device %q: Unsupported device type", n, n)
		}
		if d["type"] == "nic" && d["network"] != "" && m.networks[d["network"]] == nil {
			return fmt.Sprintf("Device validation failed for %q: Failed loading device %q: Failed to load network %q for project \"default\": Network not found", n, n, d["network"])
		}
	}
	return ""
}

func (m *Incus) createProfile(w http.ResponseWriter, r *http.Request) {
	var req api.ProfilesPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.profileProject(w, r)
	if p == nil {
		return
	}
	if msg := profileNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if _, ok := p.profiles[req.Name]; ok {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Error inserting %q into database: The profile already exists", req.Name))
		return
	}
	if msg := m.checkProfile(req.ProfilePut); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	prof := &api.Profile{Name: req.Name, Project: p.name, ProfilePut: api.ProfilePut{
		Description: req.Description, Config: copyMap(req.Config), Devices: copyDevices(req.Devices),
	}}
	p.profiles[req.Name] = prof
	writeCreated(w, withProject("/1.0/profiles/"+req.Name, p.name), nil)
}

// lookupProfile finds a profile of the request's project, or writes the 404s.
func (m *Incus) lookupProfile(w http.ResponseWriter, r *http.Request) (*mockProject, *api.Profile) {
	p := m.profileProject(w, r)
	if p == nil {
		return nil, nil
	}
	prof, ok := p.profiles[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "Fetch profile: Profile not found")
		return nil, nil
	}
	return p, prof
}

func (m *Incus) getProfile(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, prof := m.lookupProfile(w, r)
	if prof == nil {
		return
	}
	writeSync(w, m.profileView(p, prof), etagOf(prof.Writable()))
}

func (m *Incus) updateProfile(w http.ResponseWriter, r *http.Request) {
	var req api.ProfilePut
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, prof := m.lookupProfile(w, r)
	if prof == nil || !ifMatch(w, r, etagOf(prof.Writable())) {
		return
	}
	if r.Method == http.MethodPatch {
		merged := prof.Writable()
		merged.Config = copyMap(prof.Config)
		merged.Devices = copyDevices(prof.Devices)
		for k, v := range req.Config {
			merged.Config[k] = v
		}
		for k, v := range req.Devices {
			merged.Devices[k] = v
		}
		if req.Description != "" {
			merged.Description = req.Description
		}
		req = merged
	}
	if msg := m.checkProfile(req); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	prof.Description = req.Description
	prof.Config = copyMap(req.Config)
	prof.Devices = copyDevices(req.Devices)
	writeEmpty(w)
}

func (m *Incus) renameProfile(w http.ResponseWriter, r *http.Request) {
	var req api.ProfilePost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, prof := m.lookupProfile(w, r)
	if prof == nil {
		return
	}
	if prof.Name == "default" {
		writeError(w, http.StatusForbidden, `The "default" profile cannot be renamed`)
		return
	}
	if msg := profileNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if _, taken := p.profiles[req.Name]; taken {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Profile %q already exists", req.Name))
		return
	}
	// Instances using it follow the new name, as in incusd.
	for _, proj := range m.projects {
		if m.profilesOf(proj) != p {
			continue
		}
		for _, inst := range proj.instances {
			for i, n := range inst.Profiles {
				if n == prof.Name {
					inst.Profiles[i] = req.Name
				}
			}
		}
	}
	delete(p.profiles, prof.Name)
	prof.Name = req.Name
	p.profiles[req.Name] = prof
	writeCreated(w, withProject("/1.0/profiles/"+req.Name, p.name), nil)
}

func (m *Incus) deleteProfile(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, prof := m.lookupProfile(w, r)
	if prof == nil {
		return
	}
	if prof.Name == "default" {
		writeError(w, http.StatusForbidden, `The "default" profile cannot be deleted`)
		return
	}
	if len(m.profileUsedBy(p, prof.Name)) > 0 {
		writeError(w, http.StatusInternalServerError, "Profile is currently in use")
		return
	}
	delete(p.profiles, prof.Name)
	writeEmpty(w)
}
