package instance_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// Every failed create or update names the object that is really missing,
// from what incusd says, not the instance it was asked about.

func TestAccIncusInstance_blameMissingProject(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, project := acctest.RandomName("blame"), acctest.RandomName("rack-noproj")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  project = %q\n", name, h.Image, project)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Project %q \(remote "test"\) was not found\.`+
					`.*incus project create test:%s.*Failed loading project: Project not found`, project, regexp.QuoteMeta(project))),
			}},
		})
	})
}

func TestAccIncusInstance_blameMissingProfile(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, profile := acctest.RandomName("blame"), acctest.RandomName("rack-noprof")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  profiles = [\"default\", %q]\n", name, h.Image, profile)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Profile %q \(project "default", remote "test"\) was not found\.`+
					`.*incus profile list test: --project default.*Requested profile %q doesn't exist`, profile, profile)),
			}},
		})
	})
}

// A profile taken off the instance and deleted by hand: the update that puts
// it back names the profile (incusd's answer does not; the provider asks).
func TestAccIncusInstance_blameProfileDeletedByHand(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, profile := acctest.RandomName("blame"), acctest.RandomName("rack-gone")
		t.Cleanup(func() { h.ForgetInstance(name) })
		h.CreateProfile(t, profile, map[string]string{"user.rack": "1"})
		cfg := acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  running = false\n  profiles = [\"default\", %q]\n", name, h.Image, profile))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() { removeAndDeleteProfile(t, h, name, profile) },
					Config:    cfg,
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Update Incus Instance.*Profile %q \(project "default", remote "test"\) was not found\.`+
						`.*Profiles belong to a project.*Profile not found`, profile)),
				},
			},
		})
	})
}

func TestAccIncusInstance_blameMissingImage(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, alias := acctest.RandomName("blame"), acctest.RandomName("rack-noalias")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n", name, alias)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Image %q \(project "default", remote "test"\) was not found\.`+
					`.*alias or fingerprint %q.*`+"`incus image list test: --project default`"+
					`.*operation `+operationIDRE+` \(Creating instance\) ended Failure: Image not provided for instance creation`, alias, alias)),
			}},
		})
		if h.InstanceExists(name) {
			t.Fatalf("instance %s was left behind", name)
		}
	})
}

func TestAccIncusInstance_blameMissingNetwork(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, network := acctest.RandomName("blame"), acctest.RandomName("rack-nonet")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`  name = %q
  image = %q
  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { network = %q }
  }]
`, name, h.Image, network)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Network %q \(project "default", remote "test"\) was not found\.`+
					`.*Device "eth0" uses network %q, which does not exist.*operation `+operationIDRE+` \(Creating instance\) ended Failure`, network, network)),
			}},
		})
		if h.InstanceExists(name) {
			t.Fatalf("instance %s was left behind", name)
		}
	})
}

func TestAccIncusInstance_blameMissingPool(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, pool := acctest.RandomName("blame"), acctest.RandomName("rack-nopool")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`  name = %q
  image = %q
  devices = [{
    name       = "data"
    type       = "disk"
    properties = { pool = %q, source = "vol1", path = "/data" }
  }]
`, name, h.Image, pool)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Storage pool %q \(remote "test"\) was not found\.`+
						`.*Device "data" uses storage pool %q, which does not exist.*incus storage list test:`+
						`.*operation `+operationIDRE+` \(Creating instance\) ended Failure`, pool, pool)),
				},
				{ // incusd does not name the root disk's pool: the request does
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`  name = %q
  image = %q
  devices = [{
    name       = "root"
    type       = "disk"
    properties = { pool = %q, path = "/" }
  }]
`, name, h.Image, pool)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Storage pool %q \(remote "test"\) was not found\.`+
						`.*Device "root" uses storage pool %q.*Failed loading storage pool: Storage pool not found`, pool, pool)),
				},
				{ // the pool is there, the volume is not
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`  name = %q
  image = %q
  devices = [{
    name       = "data"
    type       = "disk"
    properties = { pool = "default", source = %q, path = "/data" }
  }]
`, name, h.Image, pool+"-vol")),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*Storage volume %q \(pool "default", project "default", remote "test"\) was not found\.`+
						`.*Device "data" mounts custom volume %q of pool "default".*Storage volume not found`, pool+"-vol", pool+"-vol")),
				},
			},
		})
		if h.InstanceExists(name) {
			t.Fatalf("instance %s was left behind", name)
		}
	})
}

// A disk whose host path is missing names the path, on create and on update.
func TestAccIncusInstance_blameMissingSourcePath(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("blame")
		t.Cleanup(func() { h.ForgetInstance(name) })
		missing := "/rack-acc/" + name
		body := func(devices string) string {
			return fmt.Sprintf("  name = %q\n  image = %q\n  running = false\n%s", name, h.Image, devices)
		}
		disk := fmt.Sprintf(`  devices = [{
    name       = "data"
    type       = "disk"
    properties = { source = %q, path = "/data" }
  }]
`, missing)
		want := func(action string) *regexp.Regexp {
			return acctest.DiagRE(fmt.Sprintf(`Unable to %s Incus Instance.*Host path %q \(remote "test"\) was not found\.`+
				`.*Device "data" mounts %q, which does not exist on the Incus server`, action, missing, missing))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: acctest.InstanceConfig(h, body(disk)), ExpectError: want("Create")},
				{Config: acctest.InstanceConfig(h, body(""))},
				{Config: acctest.InstanceConfig(h, body(disk)), ExpectError: want("Update")},
			},
		})
	})
}

// removeAndDeleteProfile takes a profile off an instance and deletes it, as
// a person with the incus CLI would (incusd refuses to delete a profile in use).
func removeAndDeleteProfile(t *testing.T, h *acctest.IncusHost, instance, profile string) {
	t.Helper()
	inst, etag, err := h.Client.GetInstance(instance)
	if err != nil {
		t.Fatal(err)
	}
	put := inst.Writable()
	kept := []string{}
	for _, p := range put.Profiles {
		if p != profile {
			kept = append(kept, p)
		}
	}
	put.Profiles = kept
	op, err := h.Client.UpdateInstance(instance, put, etag)
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("taking profile %s off %s: %v", profile, instance, err)
	}
	if err := h.Client.DeleteProfile(profile); err != nil {
		t.Fatalf("deleting profile %s: %v", profile, err)
	}
}
