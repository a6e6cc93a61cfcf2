package acctest

import (
	"sort"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
)

// Out-of-band changes, made with the official Incus client straight to the
// host, as a person with the incus CLI would make them.

// StopInstance force-stops an instance behind Terraform's back.
func (h *IncusHost) StopInstance(t *testing.T, name string) {
	t.Helper()
	op, err := h.Client.UpdateInstanceState(name, api.InstanceStatePut{Action: "stop", Force: true}, "")
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("stopping %s out of band: %v", name, err)
	}
}

// SetConfig sets one config key on an instance.
func (h *IncusHost) SetConfig(t *testing.T, name, key, value string) {
	t.Helper()
	inst, etag, err := h.Client.GetInstance(name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	put := inst.Writable()
	put.Config[key] = value
	op, err := h.Client.UpdateInstance(name, put, etag)
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("setting %s on %s out of band: %v", key, name, err)
	}
}

// DeleteInstance force-deletes an instance.
func (h *IncusHost) DeleteInstance(t *testing.T, name string) {
	t.Helper()
	if inst, _, err := h.Client.GetInstance(name); err == nil && inst.StatusCode == api.Running {
		h.StopInstance(t, name)
	}
	op, err := h.Client.DeleteInstance(name)
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("deleting %s out of band: %v", name, err)
	}
}

// CreateInstance creates a stopped instance from the host's test image.
func (h *IncusHost) CreateInstance(t *testing.T, name string) {
	t.Helper()
	op, err := h.Client.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: h.Image}})
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("creating %s out of band: %v", name, err)
	}
	t.Cleanup(func() { h.ForgetInstance(name) })
}

// ForgetInstance deletes an instance if it still exists, ignoring errors (cleanup).
func (h *IncusHost) ForgetInstance(name string) {
	if inst, _, err := h.Client.GetInstance(name); err == nil {
		if inst.StatusCode == api.Running {
			if op, err := h.Client.UpdateInstanceState(name, api.InstanceStatePut{Action: "stop", Force: true}, ""); err == nil {
				_ = op.Wait()
			}
		}
		if op, err := h.Client.DeleteInstance(name); err == nil {
			_ = op.Wait()
		}
	}
}

// InstanceExists reports whether an instance exists on the host.
func (h *IncusHost) InstanceExists(name string) bool {
	_, _, err := h.Client.GetInstance(name)
	return err == nil
}

// AddImageAlias points a second alias at the test image, for replacement tests.
func (h *IncusHost) AddImageAlias(t *testing.T, alias string) {
	t.Helper()
	entry, _, err := h.Client.GetImageAlias(h.Image)
	if err != nil {
		t.Fatalf("reading alias %s: %v", h.Image, err)
	}
	if err := h.Client.CreateImageAlias(api.ImageAliasesPost{ImageAliasesEntry: api.ImageAliasesEntry{Name: alias, ImageAliasesEntryPut: api.ImageAliasesEntryPut{Target: entry.Target}}}); err != nil {
		t.Fatalf("creating alias %s: %v", alias, err)
	}
	t.Cleanup(func() { _ = h.Client.DeleteImageAlias(alias) })
}

// CreateProfile creates a profile with one config key, removed at cleanup.
func (h *IncusHost) CreateProfile(t *testing.T, name string, config map[string]string) {
	t.Helper()
	if err := h.Client.CreateProfile(api.ProfilesPost{Name: name, ProfilePut: api.ProfilePut{Config: config, Devices: map[string]map[string]string{}}}); err != nil {
		t.Fatalf("creating profile %s: %v", name, err)
	}
	t.Cleanup(func() { _ = h.Client.DeleteProfile(name) })
}

// FreezeInstance pauses a running instance.
func (h *IncusHost) FreezeInstance(t *testing.T, name string) {
	t.Helper()
	op, err := h.Client.UpdateInstanceState(name, api.InstanceStatePut{Action: "freeze"}, "")
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("freezing %s out of band: %v", name, err)
	}
}

// InstanceNames lists the instances on the host (default project), sorted.
func (h *IncusHost) InstanceNames(t *testing.T) []string {
	t.Helper()
	names, err := h.Client.GetInstanceNames(api.InstanceTypeAny)
	if err != nil {
		t.Fatalf("listing instances: %v", err)
	}
	sort.Strings(names)
	return names
}

// ImageFingerprint is the fingerprint of the host's test image.
func (h *IncusHost) ImageFingerprint(t *testing.T) string {
	t.Helper()
	entry, _, err := h.Client.GetImageAlias(h.Image)
	if err != nil {
		t.Fatalf("reading alias %s: %v", h.Image, err)
	}
	return entry.Target
}

// AddOtherImage makes an image that really differs from the test image
// (another fingerprint) under alias, removed at cleanup, and returns its
// fingerprint. The real host publishes a stopped instance of the test image.
func (h *IncusHost) AddOtherImage(t *testing.T, alias string) string {
	t.Helper()
	if h.IsMock() {
		return h.Mock.AddImage(alias, "another image")
	}
	source := RandomName("publish")
	h.CreateInstance(t, source)
	op, err := h.Client.CreateImage(api.ImagesPost{
		Source:  &api.ImagesPostSource{Type: "instance", Name: source},
		Aliases: []api.ImageAlias{{Name: alias}},
	}, nil)
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("publishing %s as %s: %v", source, alias, err)
	}
	fp, _ := op.Get().Metadata["fingerprint"].(string)
	if fp == "" {
		t.Fatalf("publishing %s: no fingerprint in %v", source, op.Get().Metadata)
	}
	t.Cleanup(func() {
		if op, err := h.Client.DeleteImage(fp); err == nil {
			_ = op.Wait()
		}
	})
	h.ForgetInstance(source)
	return fp
}
