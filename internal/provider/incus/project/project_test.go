package project_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const addr = "rack_incus_project.test"

func projectConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_project" "test" {
  remote = "test"
%s
}
`, body)
}

// forget deletes a project and what it may hold (cleanup).
func forget(h *acctest.IncusHost, name string) {
	if _, _, err := h.Client.GetProject(name); err != nil {
		return
	}
	in := h.Client.UseProject(name)
	if names, err := in.GetProfileNames(); err == nil {
		for _, n := range names {
			if n != "default" {
				_ = in.DeleteProfile(n)
			}
		}
	}
	_ = h.Client.DeleteProject(name)
}

func checkGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetProject(n); err == nil {
				return fmt.Errorf("project %s still exists after destroy", n)
			}
		}
		return nil
	}
}

// setConfig sets one config key of a project out of band.
func setConfig(t *testing.T, h *acctest.IncusHost, name, key, value string) {
	t.Helper()
	p, etag, err := h.Client.GetProject(name)
	if err != nil {
		t.Fatalf("reading project %s: %v", name, err)
	}
	put := p.Writable()
	put.Config[key] = value
	if err := h.Client.UpdateProject(name, put, etag); err != nil {
		t.Fatalf("setting %s on project %s out of band: %v", key, name, err)
	}
}

// addProfile makes a profile in a project out of band.
func addProfile(t *testing.T, h *acctest.IncusHost, project, name string) {
	t.Helper()
	if err := h.Client.UseProject(project).CreateProfile(api.ProfilesPost{Name: name}); err != nil {
		t.Fatalf("creating profile %s in project %s: %v", name, project, err)
	}
}

func TestAccIncusProject_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("prj"), acctest.RandomName("prj")
		t.Cleanup(func() { forget(h, name); forget(h, renamed) })
		v1 := projectConfig(h, fmt.Sprintf(`
  name        = %q
  description = "first"
  config      = { "user.owner" = "terraform", "limits.instances" = "3" }
`, name))
		v2 := projectConfig(h, fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "limits.instances" = "5" }
`, name))
		v3 := projectConfig(h, fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "limits.instances" = "5" }
`, renamed)) + `
data "rack_incus_project" "test" {
  remote = "test"
  name   = rack_incus_project.test.name
}
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, name, renamed),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("test:"+name)),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("force_destroy"), knownvalue.Bool(false)),
						// The features.* keys Incus filled in are not shown.
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
							"user.owner": knownvalue.StringExact("terraform"), "limits.instances": knownvalue.StringExact("3"),
						})),
					},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetProject(name)
						if err != nil {
							return err
						}
						if p.Config["features.profiles"] != "true" || p.Description != "first" {
							return fmt.Errorf("project on the host: %+v", p)
						}
						return nil
					},
				},
				{ // update in place; the features Incus set stay (an update replaces the config)
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetProject(name)
						if err != nil {
							return err
						}
						if p.Config["features.profiles"] != "true" || p.Config["features.storage.volumes"] != "true" || p.Config["limits.instances"] != "5" || p.Description != "second" {
							return fmt.Errorf("project on the host after update: %+v", p)
						}
						return nil
					},
				},
				{ // import by ID
					ResourceName:            addr,
					ImportState:             true,
					ImportStateId:           "test:" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{ // import block: empty plan after
					ResourceName:    addr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:" + name,
					Config:          v2,
				},
				{ // an empty project is renamed in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("test:"+renamed)),
						statecheck.ExpectKnownValue("data.rack_incus_project.test", tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue("data.rack_incus_project.test", tfjsonpath.New("config").AtMapKey("limits.instances"), knownvalue.StringExact("5")),
					},
					Check: checkGone(h, name),
				},
				{ // a features.* key set in config is the user's: shown, and kept
					Config: projectConfig(h, fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform", "limits.instances" = "5", "features.images" = "false" }
`, renamed)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("config").AtMapKey("features.images"), knownvalue.StringExact("false")),
					},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetProject(renamed)
						if err != nil {
							return err
						}
						if p.Config["features.images"] != "false" || p.Config["features.profiles"] != "true" {
							return fmt.Errorf("project on the host: %+v", p)
						}
						return nil
					},
				},
			},
		})
	})
}

func TestAccIncusProject_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prj")
		t.Cleanup(func() { forget(h, name) })
		cfg := projectConfig(h, fmt.Sprintf(`
  name   = %q
  config = { "user.owner" = "terraform" }
`, name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // a user key changed and one added out of band: drift, put back
					PreConfig: func() {
						setConfig(t, h, name, "user.owner", "someone-else")
						setConfig(t, h, name, "user.extra", "x")
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetProject(name)
						if err != nil {
							return err
						}
						if p.Config["user.owner"] != "terraform" || p.Config["user.extra"] != "" {
							return fmt.Errorf("drift not put back: %v", p.Config)
						}
						return nil
					},
				},
				{ // a feature Incus set, changed out of band, is not the user's: no drift
					PreConfig: func() { setConfig(t, h, name, "features.images", "false") },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteProject(name); err != nil {
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

// A project that holds something: destroy fails and lists it, rename fails
// and says why; force_destroy deletes it with the project.
func TestAccIncusProject_notEmpty(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prj")
		t.Cleanup(func() { forget(h, name) })
		cfg := func(n, extra string) string {
			return projectConfig(h, fmt.Sprintf("  name = %q\n%s", n, extra))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg(name, "")},
				{
					PreConfig:   func() { addProfile(t, h, name, "inside") },
					Config:      cfg(name+"-x", ""),
					ExpectError: acctest.DiagRE(`Unable to Rename Incus Project.*Only empty projects can be renamed; it holds profile "inside".*Incus renames only empty projects`),
				},
				{ // the failed rename left the project and its name in state
					Config: cfg(name, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // a feature cannot change on a non-empty project: the server's words
					Config:      cfg(name, `  config = { "features.profiles" = "false" }`),
					ExpectError: acctest.DiagRE(`Project feature "features.profiles" cannot be disabled on non-empty projects`),
				},
				{
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(`Unable to Delete Incus Project.*is in use: it is still used by profile "inside".*force_destroy = true`),
				},
				{ // still in state: planned as a delete again; force_destroy is an in-place change
					Config: cfg(name, "  force_destroy = true"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
				},
			},
		})
	})
}

func TestAccIncusProject_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prj")
		t.Cleanup(func() { forget(h, name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{ // the name rules are checked at plan time, in incusd's words
					Config:      projectConfig(h, `  name = "a_b"`),
					ExpectError: acctest.DiagRE(`Project names may not contain underscores`),
				},
				{ // an unknown key: the server's message verbatim
					Config:      projectConfig(h, fmt.Sprintf("  name = %q\n  config = { \"bogus.key\" = \"1\" }", name)),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Project.*Invalid project configuration key "bogus.key"`),
				},
				{ // a taken name names the import ID
					PreConfig: func() {
						if err := h.Client.CreateProject(api.ProjectsPost{Name: name}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      projectConfig(h, fmt.Sprintf("  name = %q", name)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`already exists.*"test:%s"`, name)),
				},
				{
					ResourceName:  addr,
					ImportState:   true,
					ImportStateId: "test:" + name + "-missing",
					Config:        projectConfig(h, fmt.Sprintf("  name = %q", name)),
					ExpectError:   acctest.DiagRE(`Cannot Import Incus Project.*not found`),
				},
			},
		})
	})
}

// The default project: imported, changed, and on destroy reset (what
// Terraform set removed) and dropped with a warning.
func TestAccIncusProject_default(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		key := "user." + acctest.RandomName("rack")
		before, _, err := h.Client.GetProject("default")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			p, etag, err := h.Client.GetProject("default")
			if err == nil && p.Config[key] != "" {
				put := p.Writable()
				delete(put.Config, key)
				put.Description = before.Description
				_ = h.Client.UpdateProject("default", put, etag)
			}
		})
		cfg := h.ProviderConfig() + fmt.Sprintf(`
import {
  to = rack_incus_project.test
  id = "test:default"
}

resource "rack_incus_project" "test" {
  remote      = "test"
  name        = "default"
  description = "managed by Terraform"
  config      = { %q = "1" }
}
`, key)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				p, _, err := h.Client.GetProject("default")
				if err != nil {
					return err
				}
				if p.Description != "Default Incus project" || p.Config[key] != "" || p.Config["features.profiles"] != "true" {
					return fmt.Errorf("default project not reset: %+v", p)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						p, _, err := h.Client.GetProject("default")
						if err != nil {
							return err
						}
						if p.Description != "managed by Terraform" || p.Config[key] != "1" || p.Config["features.images"] != "true" {
							return fmt.Errorf("default project: %+v", p)
						}
						return nil
					},
				},
			},
		})
	})
}

// force_destroy empties a project whose profile mounts one of its volumes:
// the profile goes first, or incusd refuses the volume as still in use.
// The data source shows every config key, those Incus filled in too.
func TestAccIncusProject_forceDestroyProfileOnVolume(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("prj")
		t.Cleanup(func() {
			in := h.Client.UseProject(name)
			_ = in.DeleteProfile("mounts")
			_ = in.DeleteStoragePoolVolume("default", "custom", "data")
			forget(h, name)
		})
		cfg := projectConfig(h, fmt.Sprintf("  name = %q\n  force_destroy = true", name)) +
			`data "rack_incus_project" "read" {
  remote = "test"
  name   = rack_incus_project.test.name
}
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_project.read", tfjsonpath.New("config").AtMapKey("features.profiles"), knownvalue.StringExact("true")),
					},
				},
				{
					PreConfig: func() {
						in := h.Client.UseProject(name)
						if err := in.CreateStoragePoolVolume("default", api.StorageVolumesPost{Name: "data", Type: "custom"}); err != nil {
							t.Fatal(err)
						}
						err := in.CreateProfile(api.ProfilesPost{Name: "mounts", ProfilePut: api.ProfilePut{Devices: map[string]map[string]string{
							"data": {"type": "disk", "pool": "default", "source": "data", "path": "/data"},
						}}})
						if err != nil {
							t.Fatal(err)
						}
					},
					Config:  h.ProviderConfig(),
					Destroy: false,
				},
			},
		})
	})
}
