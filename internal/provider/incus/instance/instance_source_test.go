package instance_test

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
	"gopkg.in/yaml.v3"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// A copy of an instance: Terraform's config wins over the source's keys;
// import reads it back; another source replaces it.
func TestAccIncusInstance_sourceInstance(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		src, src2, name := acctest.RandomName("src"), acctest.RandomName("src"), acctest.RandomName("copy")
		h.CreateInstance(t, src)
		h.SetConfig(t, src, "user.origin", "source") // dropped: not in the configuration
		h.CreateInstance(t, src2)
		t.Cleanup(func() { h.ForgetInstance(name) })
		copyOf := func(source string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name            = %q
  source_instance = { name = %q }
  stop_timeout    = 0
  config          = { "user.role" = "copy" }
`, name, source))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: copyOf(src),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.Null()),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.role": knownvalue.StringExact("copy")})),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(h.ImageFingerprint(t))),
					},
					Check: func(*terraform.State) error {
						inst, _, err := h.Client.GetInstance(name)
						if err != nil {
							return fmt.Errorf("reading the copy %s: %w", name, err)
						}
						if inst.Config["user.origin"] != "" {
							return fmt.Errorf("copy %s has config %v: the source's key should be gone", name, inst.Config)
						}
						return nil
					},
				},
				{ // a refresh changes nothing
					Config:   copyOf(src),
					PlanOnly: true,
				},
				{ // import: the source is not something the server can tell
					ResourceName: acctest.InstanceAddr, ImportState: true, ImportStateId: "test:" + name,
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"source_instance", "image", "stop_timeout"},
				},
				{ // another source replaces the copy
					Config: copyOf(src2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

// A copy of a snapshot, made out of band; a missing snapshot or source is a
// NotFound of the source, not of the new instance.
func TestAccIncusInstance_sourceSnapshot(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		src, name := acctest.RandomName("src"), acctest.RandomName("copy")
		h.CreateInstance(t, src)
		t.Cleanup(func() { h.ForgetInstance(name) })
		cfg := func(source, snap string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name            = %q
  source_instance = { name = %q, snapshot = %q }
  running         = false
`, name, source, snap))
		}
		steps := []resource.TestStep{
			{
				Config:      cfg("nosuch-"+src, "snap0"),
				ExpectError: acctest.DiagRE(`source instance "nosuch-` + src + `" \(project "default", remote "test"\)`),
			},
			{
				Config:      cfg(src, "nosnap"),
				ExpectError: acctest.DiagRE(`snapshot "nosnap" of source instance "` + src + `"`),
			},
		}
		op, err := h.Client.CreateInstanceSnapshot(src, api.InstanceSnapshotsPost{Name: "snap0"})
		if err == nil {
			err = op.Wait()
		}
		if err != nil {
			t.Fatalf("snapshot of %s: %v", src, err)
		}
		steps = append(steps, resource.TestStep{
			Config: cfg(src, "snap0"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Stopped")),
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(h.ImageFingerprint(t))),
			},
		})
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps:                    steps,
		})
	})
}

// Plan-time errors: no source or two; a source on another remote.
func TestAccIncusInstance_sourcePlanErrors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("copy")
		other := h.ProviderConfigWith(fmt.Sprintf(`
  incus_remote {
    name    = "other"
    address = "unix://%s"
  }
`, h.Socket))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n", name)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Exactly one of these attributes must be configured:\s+\[image,source_instance,source_file\]`),
				},
				{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  source_instance = { name = \"x\" }\n", name, h.Image)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Exactly one of these attributes must be configured:\s+\[image,source_instance,source_file\]`),
				},
				{
					Config: other + fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote          = "test"
  name            = %q
  source_instance = { name = "web", remote = "other" }
}
`, name),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Copy Between Incus Remotes Not Supported.*incus copy other:web test:` + name),
				},
			},
		})
	})
}

// writeBackup writes an instance backup of instance src to a file: the
// real daemon exports it (as `incus export` does); the mock host is handed a
// tarball in incusd's format with backup/index.yaml (what its import reads).
func writeBackup(t *testing.T, h *acctest.IncusHost, src, file, description string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if h.IsMock() {
		inst, _, err := h.Client.GetInstance(src)
		if err != nil {
			t.Fatal(err)
		}
		inst.Description = description
		index, err := yaml.Marshal(map[string]any{"name": src, "backend": "dir", "pool": "default", "type": inst.Type,
			"config": map[string]any{"container": inst}})
		if err != nil {
			t.Fatal(err)
		}
		gz := gzip.NewWriter(f)
		tw := tar.NewWriter(gz)
		for _, e := range []struct{ name, body string }{{"backup/index.yaml", string(index)}, {"backup/container/rootfs/hello", "hi"}} {
			if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body))}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := gz.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	op, err := h.Client.UpdateInstance(src, mustWritable(t, h, src, description), "")
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatal(err)
	}
	op, err = h.Client.CreateInstanceBackup(src, api.InstanceBackupsPost{Name: "tf", InstanceOnly: true, CompressionAlgorithm: "gzip"})
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("backup of %s: %v", src, err)
	}
	defer func() {
		if op, err := h.Client.DeleteInstanceBackup(src, "tf"); err == nil {
			_ = op.Wait()
		}
	}()
	if _, err := h.Client.GetInstanceBackupFile(src, "tf", &incusclient.BackupFileRequest{BackupFile: f}); err != nil {
		t.Fatalf("downloading the backup of %s: %v", src, err)
	}
}

// mustWritable is src's writable part with a new description.
func mustWritable(t *testing.T, h *acctest.IncusHost, src, description string) (put api.InstancePut) {
	t.Helper()
	inst, _, err := h.Client.GetInstance(src)
	if err != nil {
		t.Fatal(err)
	}
	put = inst.Writable()
	put.Description = description
	return put
}

// Restore from a backup tarball: the file's SHA-256 is the change trigger;
// a file that is not a backup gives incusd's text on source_file.
func TestAccIncusInstance_sourceFile(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		src, name := acctest.RandomName("bsrc"), acctest.RandomName("rest")
		h.CreateInstance(t, src)
		t.Cleanup(func() { h.ForgetInstance(name) })
		dir := t.TempDir()
		first, moved, second, junk := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz"), filepath.Join(dir, "c.tar.gz"), filepath.Join(dir, "junk.tar.gz")
		writeBackup(t, h, src, first, "one")
		writeBackup(t, h, src, second, "two")
		body, err := os.ReadFile(first) // #nosec G304 -- the test's own file
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(moved, body, 0o600); err != nil {
			t.Fatal(err)
		}
		writeTarGz(t, junk, "notes.txt", "not a backup")
		cfg := func(file string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name         = %q
  source_file  = %q
  description  = "restored"
  stop_timeout = 0
`, name, file))
		}
		sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
		var firstSum string
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config:      cfg(junk),
					ExpectError: acctest.DiagRE(`(?s)source_file.*Backup is missing at "backup/index.yaml".*incus export`),
				},
				{
					Config: cfg(first),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("description"), knownvalue.StringExact("restored")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("source_file_sha256"), knownvalue.StringRegexp(sha)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(h.ImageFingerprint(t))),
					},
					Check: func(s *terraform.State) error {
						firstSum = s.RootModule().Resources[acctest.InstanceAddr].Primary.Attributes["source_file_sha256"]
						return nil
					},
				},
				{ // the same content under another path: an update that only records the path
					Config: cfg(moved),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionUpdate),
					}},
					Check: func(s *terraform.State) error {
						if got := s.RootModule().Resources[acctest.InstanceAddr].Primary.Attributes["source_file_sha256"]; got != firstSum {
							return fmt.Errorf("sha256 %s after a move, want %s", got, firstSum)
						}
						return nil
					},
				},
				{ // other content replaces the instance
					Config: cfg(second),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

func writeTarGz(t *testing.T, file, name, body string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

// A copy of an instance in another project of the same remote.
func TestAccIncusInstance_sourceOtherProject(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		project, src, name := acctest.RandomName("proj"), acctest.RandomName("src"), acctest.RandomName("copy")
		// A project that borrows the default project's images and profiles.
		if err := h.Client.CreateProject(api.ProjectsPost{Name: project, ProjectPut: api.ProjectPut{Config: map[string]string{
			"features.images": "false", "features.profiles": "false", "features.storage.volumes": "false", "features.storage.buckets": "false",
		}}}); err != nil {
			t.Fatalf("creating project %s: %v", project, err)
		}
		inProject := h.Client.UseProject(project)
		t.Cleanup(func() {
			if op, err := inProject.DeleteInstance(src); err == nil {
				_ = op.Wait()
			}
			_ = h.Client.DeleteProject(project)
		})
		op, err := inProject.CreateInstance(api.InstancesPost{Name: src, Source: api.InstanceSource{Type: "image", Alias: h.Image}})
		if err == nil {
			err = op.Wait()
		}
		if err != nil {
			t.Fatalf("creating %s in %s: %v", src, project, err)
		}
		t.Cleanup(func() { h.ForgetInstance(name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name            = %q
  source_instance = { name = %q, project = %q }
  running         = false
`, name, src, project)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(h.ImageFingerprint(t))),
					},
				},
				{ // the source's project is named in the error about a missing source
					Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name            = %q
  source_instance = { name = %q, project = "default" }
  running         = false
`, name, src)),
					ExpectError: acctest.DiagRE(`Source instance "` + src + `" \(project "default", remote "test"\) was not found`),
				},
			},
		})
	})
}

// A copy gets its files before it starts and runs its execs once it runs,
// as an instance made from an image does.
func TestAccIncusInstance_sourceWithFilesAndExecs(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		src, name := acctest.RandomName("src"), acctest.RandomName("copy")
		h.CreateInstance(t, src)
		t.Cleanup(func() { h.ForgetInstance(name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name            = %q
  source_instance = { name = %q }
  stop_timeout    = 0
  files           = [{ target_path = "/root/greeting", content = "copied\n" }]
  execs = {
    show = { command = ["busybox", "cat", "/root/greeting"], record_output = true }
  }
`, name, src)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("execs").AtMapKey("show").AtMapKey("exit_code"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("execs").AtMapKey("show").AtMapKey("stdout"), knownvalue.StringExact("copied\n")),
				},
			}},
		})
	})
}
