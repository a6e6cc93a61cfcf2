package mockhost

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lxc/incus/v6/shared/api"
	"gopkg.in/yaml.v3"
)

// Seed is state the fake incusd holds at start and after each Reset, read
// from YAML or JSON (LoadSeed). Its entries look like what `incus image
// show`, `incus profile show` and `incus network show` print, so that a
// user can copy them from a real server. examples/mockhost/seed.yaml
// documents the format.
type Seed struct {
	Images       []SeedImage   `yaml:"images"`
	Profiles     []SeedProfile `yaml:"profiles"`
	Networks     []SeedNetwork `yaml:"networks"`
	Projects     []SeedProject `yaml:"projects"`
	StoragePools []string      `yaml:"storage_pools"`
}

// SeedImage is a local image with its aliases.
type SeedImage struct {
	Aliases []string `yaml:"aliases"`
	// Fingerprint defaults to the SHA-256 of the first alias.
	Fingerprint  string            `yaml:"fingerprint"`
	Type         string            `yaml:"type"` // container (default) or virtual-machine
	Architecture string            `yaml:"architecture"`
	Description  string            `yaml:"description"`
	Properties   map[string]string `yaml:"properties"`
	Public       bool              `yaml:"public"`
}

// SeedProfile is a profile; one named "default" replaces the project's.
type SeedProfile struct {
	Name        string                       `yaml:"name"`
	Project     string                       `yaml:"project"` // default "default"
	Description string                       `yaml:"description"`
	Config      map[string]string            `yaml:"config"`
	Devices     map[string]map[string]string `yaml:"devices"`
}

// SeedNetwork is a managed bridge; config takes ipv4.address and
// ipv6.address ("192.0.2.1/24", "none" or absent for no addresses).
type SeedNetwork struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Config      map[string]string `yaml:"config"`
}

// SeedProject is a project. As in incusd, its default profile is empty:
// give it devices with a seed profile named "default" in it.
type SeedProject struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// LoadSeed reads a seed file (YAML, or JSON, which is YAML too); unknown
// keys are errors so that a typo does not go unnoticed.
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Seed
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("seed file %s: %w", path, err)
	}
	return &s, nil
}

// applySeed adds the seed to the state; m.mu is held.
func (m *Incus) applySeed(s *Seed) error {
	for _, pool := range s.StoragePools {
		if m.pools[pool] == nil {
			m.addPool(pool, "dir", "")
		}
	}
	for _, p := range s.Projects {
		if p.Name == "" {
			return errors.New("seed: a project has no name")
		}
		if _, ok := m.projects[p.Name]; ok {
			return fmt.Errorf("seed: project %q is there already", p.Name)
		}
		cfg := map[string]string{}
		for _, f := range projectFeatures {
			cfg[f] = "true"
		}
		m.projects[p.Name] = newProject(p.Name, p.Description, cfg)
		m.projects[p.Name].profiles = map[string]*api.Profile{
			"default": {Name: "default", Project: p.Name, ProfilePut: api.ProfilePut{
				Description: "Default Incus profile for project " + p.Name,
				Config:      map[string]string{}, Devices: map[string]map[string]string{},
			}},
		}
	}
	for _, n := range s.Networks {
		if n.Name == "" {
			return errors.New("seed: a network has no name")
		}
		if _, ok := m.networks[n.Name]; ok {
			return fmt.Errorf("seed: network %q is there already", n.Name)
		}
		for k := range n.Config {
			if k != "ipv4.address" && k != "ipv6.address" {
				return fmt.Errorf("seed: network %q: the mock host knows only ipv4.address and ipv6.address, not %q", n.Name, k)
			}
		}
		net, err := newNetwork(n.Name, n.Config["ipv4.address"], n.Config["ipv6.address"], n.Description)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		m.networks[n.Name] = net
	}
	for _, img := range s.Images {
		if err := m.seedImage(img); err != nil {
			return err
		}
	}
	for _, sp := range s.Profiles {
		project := sp.Project
		if project == "" {
			project = "default"
		}
		p, ok := m.projects[project]
		if !ok {
			return fmt.Errorf("seed: profile %q: no project %q (add it under projects)", sp.Name, project)
		}
		if sp.Name == "" {
			return errors.New("seed: a profile has no name")
		}
		for dev, d := range sp.Devices {
			if d["type"] == "nic" && d["network"] != "" && m.networks[d["network"]] == nil {
				return fmt.Errorf("seed: profile %q device %q: no network %q", sp.Name, dev, d["network"])
			}
			if d["type"] == "disk" && d["pool"] != "" && m.pools[d["pool"]] == nil {
				return fmt.Errorf("seed: profile %q device %q: no storage pool %q (add it under storage_pools)", sp.Name, dev, d["pool"])
			}
		}
		prof := &api.Profile{Name: sp.Name, Project: project, ProfilePut: api.ProfilePut{
			Config: copyMap(sp.Config), Devices: copyDevices(sp.Devices), Description: sp.Description,
		}}
		p.profiles[sp.Name] = prof
	}
	return nil
}

func (m *Incus) seedImage(img SeedImage) error {
	if len(img.Aliases) == 0 && img.Fingerprint == "" {
		return errors.New("seed: an image has neither aliases nor a fingerprint")
	}
	fp := img.Fingerprint
	if fp == "" {
		sum := sha256.Sum256([]byte(img.Aliases[0]))
		fp = hex.EncodeToString(sum[:])
	}
	if _, err := hex.DecodeString(fp); err != nil || len(fp) != 64 {
		return fmt.Errorf("seed: image fingerprint %q is not 64 hex digits", fp)
	}
	for _, a := range img.Aliases {
		if _, taken := m.aliases[a]; taken {
			return fmt.Errorf("seed: image alias %q is taken", a)
		}
	}
	if _, ok := m.images[fp]; ok {
		return fmt.Errorf("seed: image %s is there already", fp[:12])
	}
	typ := img.Type
	switch typ {
	case "":
		typ = "container"
	case "container", "virtual-machine":
	default:
		return fmt.Errorf("seed: image %q: type is container or virtual-machine, not %q", fp[:12], typ)
	}
	arch := img.Architecture
	if arch == "" {
		arch = "x86_64"
	}
	props := copyMap(img.Properties)
	if img.Description != "" {
		props["description"] = img.Description
	}
	out := &api.Image{Fingerprint: fp, Architecture: arch, Type: typ, UploadedAt: time.Now().UTC(),
		ImagePut: api.ImagePut{Public: img.Public, Properties: props}}
	for _, a := range img.Aliases {
		m.aliases[a] = fp
		out.Aliases = append(out.Aliases, api.ImageAlias{Name: a})
	}
	m.images[fp] = out
	return nil
}
