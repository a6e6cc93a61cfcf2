package profile_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const addr = "rack_incus_profile.test"

func profileConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_profile" "test" {
  remote = "test"
%s
}
`, body)
}

// in is the host's client in a project.
func in(h *acctest.IncusHost, project string) incusclient.InstanceServer {
	return h.Client.UseProject(project)
}

func forget(h *acctest.IncusHost, project string, names ...string) {
	for _, n := range names {
		_ = in(h, project).DeleteProfile(n)
	}
}

func checkGone(h *acctest.IncusHost, project string, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := in(h, project).GetProfile(n); err == nil {
				return fmt.Errorf("profile %s (project %s) still exists after destroy", n, project)
			}
		}
		return nil
	}
}

func setConfig(t *testing.T, h *acctest.IncusHost, project, name, key, value string) {
	t.Helper()
	p, etag, err := in(h, project).GetProfile(name)
	if err != nil {
		t.Fatalf("reading profile %s: %v", name, err)
	}
	put := p.Writable()
	put.Config[key] = value
	if err := in(h, project).UpdateProfile(name, put, etag); err != nil {
		t.Fatalf("setting %s on profile %s out of band: %v", key, name, err)
	}
}

func checkProfile(h *acctest.IncusHost, project, name string, check func(p *api.Profile) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, _, err := in(h, project).GetProfile(name)
		if err != nil {
			return err
		}
		if !check(p) {
			return fmt.Errorf("profile %s on the host: %+v", name, p)
		}
		return nil
	}
}

// makeProject creates a project (with its own profiles) out of band,
// removed at cleanup.
func makeProject(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("pp")
	// A config (even empty) makes incusd give the project its own profiles.
	if err := h.Client.CreateProject(api.ProjectsPost{Name: name, ProjectPut: api.ProjectPut{Config: map[string]string{}}}); err != nil {
		t.Fatalf("creating project %s: %v", name, err)
	}
	t.Cleanup(func() {
		if names, err := in(h, name).GetProfileNames(); err == nil {
			forget(h, name, names...)
		}
		_ = h.Client.DeleteProject(name)
	})
	return name
}

func TestAccIncusProfile_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("prof"), acctest.RandomName("prof")
		project := makeProject(t, h)
		t.Cleanup(func() { forget(h, "default", name, renamed) })
		body := func(n, project, desc, cpu string) string {
			return fmt.Sprintf(`
  name        = %q
  project     = %q
  description = %q
  config      = { "limits.cpu" = %q, "user.owner" = "terraform" }
  devices = [{
    name       = "data"
    type       = "disk"
    properties = { path = "/data", source = "/tmp" }
  }]
`, n, project, desc, cpu)
		}
		v1 := profileConfig(h, body(name, "default", "first", "1"))
		v2 := profileConfig(h, body(name, "default", "second", "2"))
		v3 := profileConfig(h, body(renamed, "default", "second", "2")) + `
data "rack_incus_profile" "test" {
  remote = "test"
  name   = rack_incus_profile.test.name
}
`
		v4 := profileConfig(h, body(renamed, project, "second", "2"))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(s *terraform.State) error {
				if err := checkGone(h, "default", name, renamed)(s); err != nil {
					return err
				}
				return checkGone(h, project, renamed)(s)
			},
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
					},
					Check: checkProfile(h, "default", name, func(p *api.Profile) bool {
						return p.Description == "first" && p.Config["limits.cpu"] == "1" && p.Devices["data"]["path"] == "/data"
					}),
				},
				{ // update in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: checkProfile(h, "default", name, func(p *api.Profile) bool {
						return p.Description == "second" && p.Config["limits.cpu"] == "2"
					}),
				},
				{
					ResourceName:            addr,
					ImportState:             true,
					ImportStateId:           "test:default/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    addr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:default/" + name,
					Config:          v2,
				},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
						statecheck.ExpectKnownValue("data.rack_incus_profile.test", tfjsonpath.New("config").AtMapKey("limits.cpu"), knownvalue.StringExact("2")),
					},
					Check: checkGone(h, "default", name),
				},
				{ // another project: replaced
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:%s/%s", project, renamed))),
					},
					Check: func(s *terraform.State) error {
						if err := checkGone(h, "default", renamed)(s); err != nil {
							return err
						}
						return checkProfile(h, project, renamed, func(p *api.Profile) bool { return p.Description == "second" })(s)
					},
				},
			},
		})
	})
}

func TestAccIncusProfile_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prof")
		t.Cleanup(func() { forget(h, "default", name) })
		cfg := profileConfig(h, fmt.Sprintf(`
  name   = %q
  config = { "user.owner" = "terraform" }
`, name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // changed and added out of band: drift, put back
					PreConfig: func() {
						setConfig(t, h, "default", name, "user.owner", "someone-else")
						setConfig(t, h, "default", name, "limits.memory", "64MiB")
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: checkProfile(h, "default", name, func(p *api.Profile) bool {
						return p.Config["user.owner"] == "terraform" && p.Config["limits.memory"] == ""
					}),
				},
				{ // deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteProfile(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					}},
				},
			},
		})
	})
}

// A profile that an instance uses cannot be deleted: the diagnostic names
// the instance and the profile stays in state until the instance is gone.
func TestAccIncusProfile_inUse(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, inst := acctest.RandomName("prof"), acctest.RandomName("user")
		t.Cleanup(func() { h.ForgetInstance(inst); forget(h, "default", name) })
		cfg := profileConfig(h, fmt.Sprintf("  name = %q", name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						op, err := h.Client.CreateInstance(api.InstancesPost{Name: inst,
							Source: api.InstanceSource{Type: "image", Alias: h.Image}, InstancePut: api.InstancePut{Profiles: []string{"default", name}}})
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatalf("creating instance %s: %v", inst, err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Delete Incus Profile.*is in use: it is still used by instance %q.*stays in state`, inst)),
				},
				{ // still in state: nothing to change with the config back
					PreConfig: func() { h.ForgetInstance(inst) },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
			},
		})
	})
}

func TestAccIncusProfile_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, taken := acctest.RandomName("prof"), acctest.RandomName("prof")
		t.Cleanup(func() { forget(h, "default", name, taken) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, "default", name),
			Steps: []resource.TestStep{
				{ // names are checked at plan time
					Config:      profileConfig(h, `  name = "a/b"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Profile Name.*must not contain a slash`),
				},
				{ // the server's words, verbatim
					Config:      profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"bogus.key\" = \"1\" }", name)),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Profile.*Unknown configuration key: bogus.key`),
				},
				{
					Config: profileConfig(h, fmt.Sprintf(`
  name    = %q
  devices = [{ name = "eth9", type = "nic", properties = { network = "no-such-net" } }]
`, name)),
					ExpectError: acctest.DiagRE(`Device validation failed for "eth9".*Network not found`),
				},
				{ // an update the server refuses leaves the profile as it was
					Config: profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"limits.cpu\" = \"1\" }", name)),
				},
				{
					Config:      profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"limits.cpu\" = \"1\", \"bogus.key\" = \"1\" }", name)),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Profile.*Unknown configuration key: bogus.key`),
				},
				{
					Config: profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"limits.cpu\" = \"1\" }", name)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // a rename to a taken name names the import ID of the other
					PreConfig:   func() { h.CreateProfile(t, taken, nil) },
					Config:      profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"limits.cpu\" = \"1\" }", taken)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Rename Incus Profile.*import.*"test:default/%s"`, taken)),
				},
			},
		})
	})
}

// The default profile of a project: imported, changed, and on destroy reset
// and dropped with a warning. (A fresh project's, not the default project's
// that other tests' instances need.)
func TestAccIncusProfile_defaultProfile(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		project := makeProject(t, h)
		cfg := h.ProviderConfig() + fmt.Sprintf(`
import {
  to = rack_incus_profile.test
  id = "test:%s/default"
}

resource "rack_incus_profile" "test" {
  remote      = "test"
  project     = %q
  name        = "default"
  description = "managed"
  config      = { "limits.cpu" = "1" }
}
`, project, project)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(s *terraform.State) error {
				return checkProfile(h, project, "default", func(p *api.Profile) bool {
					return p.Description == "" && len(p.Config) == 0 && len(p.Devices) == 0
				})(s)
			},
			Steps: []resource.TestStep{{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: checkProfile(h, project, "default", func(p *api.Profile) bool {
					return p.Description == "managed" && p.Config["limits.cpu"] == "1"
				}),
			}},
		})
	})
}

// An update sends the ETag of the refresh: a change made outside Terraform
// between the refresh and the write is a Conflict, never overwritten. The
// mock changes the profile at the moment the update arrives.
func TestAccIncusProfile_etagConflict(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the change must land between refresh and write: only the mock host can time it")
		}
		name := acctest.RandomName("prof")
		cfg := func(cpu string) string {
			return profileConfig(h, fmt.Sprintf("  name = %q\n  config = { \"limits.cpu\" = %q }", name, cpu))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg("1")},
				{
					PreConfig: func() {
						h.Mock.InjectFault(mockhost.Fault{Method: http.MethodPut, PathPrefix: "/1.0/profiles/" + name, Times: 1,
							Hook: func() { setConfig(t, h, "default", name, "user.sneaky", "yes") }})
					},
					Config:      cfg("2"),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Profile.*changed outside Terraform since it was read; run apply again`),
				},
				{ // the refresh now shows the change as drift; the apply puts the configuration on it
					Config: cfg("2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: checkProfile(h, "default", name, func(p *api.Profile) bool {
						return p.Config["limits.cpu"] == "2" && p.Config["user.sneaky"] == ""
					}),
				},
			},
		})
	})
}

// In a project without its own profiles, incusd keeps the profile in the
// default project and says so; state keeps the project asked for, so the
// apply is consistent and the next plan empty.
func TestAccIncusProfile_projectWithoutProfiles(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		project, name := acctest.RandomName("np"), acctest.RandomName("prof")
		cfg := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_project" "p" {
  remote = "test"
  name   = %q
  config = { "features.profiles" = "false", "features.images" = "false" }
}

resource "rack_incus_profile" "test" {
  remote  = "test"
  project = rack_incus_project.p.name
  name    = %q
  config  = { "limits.cpu" = "1" }
}
`, project, name)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_profile.test", tfjsonpath.New("project"), knownvalue.StringExact(project)),
					},
				},
				{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			},
		})
	})
}
