package image_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const addr = "rack_incus_image.test"

// imageConfig is h's provider block and a rack_incus_image "test" whose
// other attributes are body.
func imageConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_image" "test" {
  remote = "test"
%s
}
`, body)
}

// tracker remembers the fingerprints a test made, so CheckDestroy can tell
// that every one of them is gone from the host.
type tracker struct {
	mu  sync.Mutex
	fps map[string]bool
}

func newTracker() *tracker { return &tracker{fps: map[string]bool{}} }

func (tr *tracker) record() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		for _, r := range s.RootModule().Resources {
			if r.Type == "rack_incus_image" {
				tr.fps[r.Primary.Attributes["fingerprint"]] = true
			}
		}
		return nil
	}
}

func (tr *tracker) gone(h *acctest.IncusHost) func(*terraform.State) error {
	return func(*terraform.State) error {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		for fp := range tr.fps {
			if _, _, err := h.Client.GetImage(fp); err == nil {
				return fmt.Errorf("image %s still exists after destroy", fp)
			}
		}
		return nil
	}
}

// cleanupImages deletes, whatever the test did, the images given (by
// fingerprint) that are still on the host.
func cleanupImages(t *testing.T, h *acctest.IncusHost, fps ...string) {
	t.Cleanup(func() {
		for _, fp := range fps {
			if op, err := h.Client.DeleteImage(fp); err == nil {
				_ = op.Wait()
			}
		}
	})
}

func fileSHA(t *testing.T, paths ...string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		f, err := os.Open(p) //nolint:gosec // the test's own file
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(h, f)
		_ = f.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeImage(t *testing.T, unique string) acctest.ImageFiles {
	t.Helper()
	files, err := acctest.WriteImage(t.TempDir(), unique, 0)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestAccIncusImage_upload: a unified tarball uploaded, its fingerprint the
// file's SHA-256; aliases, description and public changed in place; import
// (also by a fingerprint prefix) with an empty plan; a new file content
// replaces the image.
func TestAccIncusImage_upload(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("img")
		files := writeImage(t, name)
		fp := fileSHA(t, files.Unified)
		a1, a2 := name+"-a", name+"-b"
		tr := newTracker()
		cleanupImages(t, h, fp)
		cfg := func(extra string) string {
			return imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q }\n%s", files.Unified, extra))
		}
		var replacement string
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{
				{
					Config: cfg(fmt.Sprintf("  aliases = [%q]\n  description = \"first\"\n", a1)),
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						resource.TestCheckResourceAttr(addr, "fingerprint", fp),
						resource.TestCheckResourceAttr(addr, "source_file.sha256", fp),
						resource.TestCheckResourceAttr(addr, "id", "test:default/"+fp),
						resource.TestCheckResourceAttr(addr, "architecture", "x86_64"),
						resource.TestCheckResourceAttr(addr, "type", "container"),
						resource.TestCheckResourceAttr(addr, "description", "first"),
						resource.TestCheckResourceAttr(addr, "public", "false"),
						resource.TestCheckResourceAttr(addr, "aliases.#", "1"),
						resource.TestCheckTypeSetElemAttr(addr, "aliases.*", a1),
						resource.TestCheckResourceAttrSet(addr, "size"),
						resource.TestCheckResourceAttrSet(addr, "created_at"),
						func(*terraform.State) error {
							img, _, err := h.Client.GetImage(fp)
							if err != nil {
								return err
							}
							if img.Properties["description"] != "first" {
								return fmt.Errorf("description property on the host is %q", img.Properties["description"])
							}
							return nil
						},
					),
				},
				{
					Config: cfg(fmt.Sprintf("  aliases = [%q, %q]\n  description = \"second\"\n  public = true\n", a2, a1)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "fingerprint", fp),
						resource.TestCheckResourceAttr(addr, "aliases.#", "2"),
						resource.TestCheckResourceAttr(addr, "public", "true"),
						resource.TestCheckResourceAttr(addr, "description", "second"),
						func(*terraform.State) error {
							e, _, err := h.Client.GetImageAlias(a2)
							if err != nil || e.Target != fp {
								return fmt.Errorf("alias %s on the host: %v: %w", a2, e, err)
							}
							return nil
						},
					),
				},
				{
					// One alias dropped: removed from the host in place.
					Config: cfg(fmt.Sprintf("  aliases = [%q]\n  description = \"second\"\n  public = true\n", a2)),
					Check: func(*terraform.State) error {
						if _, _, err := h.Client.GetImageAlias(a1); err == nil {
							return fmt.Errorf("alias %s is still on the host", a1)
						}
						return nil
					},
				},
				{
					ResourceName: addr, ImportState: true, ImportStateVerify: true,
					ImportStateId:           "test:default/" + fp,
					ImportStateVerifyIgnore: []string{"timeouts", "source_file", "source_image", "source_instance"},
				},
				{
					// A fingerprint prefix is expanded to the full fingerprint.
					ResourceName: addr, ImportState: true, ImportStateVerify: true,
					ImportStateId:           "test:" + fp[:12],
					ImportStateVerifyIgnore: []string{"timeouts", "source_file", "source_image", "source_instance"},
				},
				{
					// An import block: the source is unknown after it, yet the plan is empty.
					ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID,
					ImportStateId: "test:default/" + fp,
					Config:        cfg(fmt.Sprintf("  aliases = [%q]\n  description = \"second\"\n  public = true\n", a2)),
				},
				{
					// New content in the same file replaces the image.
					PreConfig: func() {
						again, err := acctest.WriteImage(t.TempDir(), name+"-v2", 0)
						if err != nil {
							t.Fatal(err)
						}
						b, err := os.ReadFile(again.Unified)
						if err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(files.Unified, b, 0o600); err != nil {
							t.Fatal(err)
						}
						replacement = fileSHA(t, files.Unified)
						cleanupImages(t, h, replacement)
					},
					Config: cfg(fmt.Sprintf("  aliases = [%q]\n  description = \"second\"\n  public = true\n", a2)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						func(s *terraform.State) error {
							got := s.RootModule().Resources[addr].Primary.Attributes["fingerprint"]
							if got != replacement {
								return fmt.Errorf("fingerprint %s, want %s", got, replacement)
							}
							if _, _, err := h.Client.GetImage(fp); err == nil {
								return fmt.Errorf("the old image %s is still there", fp)
							}
							return nil
						},
					),
				},
			},
		})
	})
}

// TestAccIncusImage_split: a split image (metadata + rootfs) is uploaded as
// multipart; its fingerprint is the SHA-256 of metadata then rootfs.
func TestAccIncusImage_split(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("imgs")
		files := writeImage(t, name)
		fp := fileSHA(t, files.Metadata, files.Rootfs)
		cleanupImages(t, h, fp)
		tr := newTracker()
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{{
				Config: imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q, metadata_path = %q }\n  aliases = [%q]\n", files.Rootfs, files.Metadata, name)),
				Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
					resource.TestCheckResourceAttr(addr, "fingerprint", fp),
					resource.TestCheckResourceAttr(addr, "aliases.0", name),
				),
			}},
		})
	})
}

// TestAccIncusImage_publish publishes a stopped instance, finds it with the
// data source, and changes its aliases in place.
func TestAccIncusImage_publish(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		inst, alias := acctest.RandomName("pub"), acctest.RandomName("pubimg")
		tr := newTracker()
		t.Cleanup(func() {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			fps := []string{}
			for fp := range tr.fps {
				fps = append(fps, fp)
			}
			cleanupNow(h, fps)
		})
		cfg := func(aliases string) string {
			return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "src" {
  remote       = "test"
  name         = %q
  image        = %q
  running      = false
  stop_timeout = 0
}

resource "rack_incus_image" "test" {
  remote          = "test"
  source_instance = { name = rack_incus_instance.src.name }
  aliases         = %s
  description     = "published"
  timeouts        = { create = "5m" }
}

data "rack_incus_image" "test" {
  remote = "test"
  name   = %q
  type   = "container"
  depends_on = [rack_incus_image.test]
}
`, inst, h.Image, aliases, alias)
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{
				{
					Config: cfg(fmt.Sprintf("[%q]", alias)),
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						resource.TestMatchResourceAttr(addr, "fingerprint", regexp.MustCompile(`^[0-9a-f]{64}$`)),
						resource.TestCheckResourceAttr(addr, "source_instance.name", inst),
						resource.TestCheckResourceAttr(addr, "type", "container"),
						resource.TestCheckResourceAttrPair("data.rack_incus_image.test", "fingerprint", addr, "fingerprint"),
						resource.TestCheckResourceAttr("data.rack_incus_image.test", "description", "published"),
						resource.TestCheckResourceAttr("data.rack_incus_image.test", "aliases.0", alias),
						func(s *terraform.State) error {
							img, _, err := h.Client.GetImage(s.RootModule().Resources[addr].Primary.Attributes["fingerprint"])
							if err != nil {
								return err
							}
							if _, marked := img.Properties["rack.create_id"]; marked {
								return fmt.Errorf("the create marker is left on the image: %v", img.Properties)
							}
							return nil
						},
					),
				},
				{
					Config: cfg(fmt.Sprintf("[%q, %q]", alias, alias+"-2")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.TestCheckResourceAttr(addr, "aliases.#", "2"),
				},
			},
		})
	})
}

func cleanupNow(h *acctest.IncusHost, fps []string) {
	for _, fp := range fps {
		if op, err := h.Client.DeleteImage(fp); err == nil {
			_ = op.Wait()
		}
	}
}

// TestAccIncusImage_drift: the image deleted out of band is made again; its
// description and an alias changed out of band show as changes.
func TestAccIncusImage_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("imgd")
		files := writeImage(t, name)
		fp := fileSHA(t, files.Unified)
		cleanupImages(t, h, fp)
		tr := newTracker()
		config := imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q }\n  aliases = [%q]\n  description = \"kept\"\n", files.Unified, name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{
				{Config: config, Check: tr.record()},
				{
					PreConfig: func() {
						img, etag, err := h.Client.GetImage(fp)
						if err != nil {
							t.Fatal(err)
						}
						put := img.Writable()
						put.Properties["description"] = "changed"
						if err := h.Client.UpdateImage(fp, put, etag); err != nil {
							t.Fatal(err)
						}
						if err := h.Client.DeleteImageAlias(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "description", "kept"),
						resource.TestCheckResourceAttr(addr, "aliases.0", name),
					),
				},
				{
					PreConfig: func() {
						op, err := h.Client.DeleteImage(fp)
						if err != nil {
							t.Fatal(err)
						}
						if err := op.Wait(); err != nil {
							t.Fatal(err)
						}
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					}},
					Check: resource.TestCheckResourceAttr(addr, "fingerprint", fp),
				},
			},
		})
	})
}

// TestAccIncusImage_errors: the diagnostics of what goes wrong.
func TestAccIncusImage_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		t.Run("publish_missing_instance", func(t *testing.T) {
			missing := acctest.RandomName("nosuch")
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config: imageConfig(h, fmt.Sprintf("  source_instance = { name = %q }\n", missing)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Instance %q \(project "default", remote "test"\) was not found.*operation [0-9a-f-]{36} .*Failed to fetch instance %q in project "default": Instance not found`,
						missing, missing)),
				}},
			})
		})
		t.Run("alias_taken", func(t *testing.T) {
			alias := acctest.RandomName("taken")
			holder := writeImage(t, alias+"-holder")
			holderFP := fileSHA(t, holder.Unified)
			cleanupImages(t, h, holderFP)
			files := writeImage(t, alias)
			fp := fileSHA(t, files.Unified)
			cleanupImages(t, h, fp)
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if _, _, err := h.Client.GetImage(fp); err == nil {
						return fmt.Errorf("image %s was made although its alias is taken", fp)
					}
					return nil
				},
				Steps: []resource.TestStep{
					{
						Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_image" "holder" {
  remote      = "test"
  source_file = { data_path = %q }
  aliases     = [%q]
}
`, holder.Unified, alias),
					},
					{
						Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_image" "holder" {
  remote      = "test"
  source_file = { data_path = %q }
  aliases     = [%q]
}

resource "rack_incus_image" "test" {
  remote      = "test"
  source_file = { data_path = %q }
  aliases     = [%q]
  depends_on  = [rack_incus_image.holder]
}
`, holder.Unified, alias, files.Unified, alias),
						ExpectError: acctest.DiagRE(fmt.Sprintf(`Image alias %q .* already exists.*import it with the ID "test:default/%s"`, alias, holderFP)),
					},
				},
			})
		})
		t.Run("same_file_twice", func(t *testing.T) {
			files := writeImage(t, acctest.RandomName("twice"))
			fp := fileSHA(t, files.Unified)
			cleanupImages(t, h, fp)
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_image" "one" {
  remote      = "test"
  source_file = { data_path = %q }
}

resource "rack_incus_image" "two" {
  remote      = "test"
  source_file = { data_path = %q }
  depends_on  = [rack_incus_image.one]
}
`, files.Unified, files.Unified),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`already exists.*import it with the ID "test:default/%s".*operation [0-9a-f-]{36}: Image with same fingerprint already exists`, fp)),
				}},
			})
		})
		t.Run("not_an_image", func(t *testing.T) {
			path := t.TempDir() + "/notimage.bin"
			if err := os.WriteFile(path, []byte("hello, not an image\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q }\n", path)),
					ExpectError: acctest.DiagRE(`Incus operation [0-9a-f-]{36} \(Downloading image\) .* ended with status Failure.*Server error: Unsupported compression`),
				}},
			})
		})
		t.Run("missing_file", func(t *testing.T) {
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      imageConfig(h, "  source_file = { data_path = \"/nonexistent/image.tar\" }\n"),
					ExpectError: acctest.DiagRE(`Cannot Read Image File.*/nonexistent/image.tar`),
				}},
			})
		})
		t.Run("two_sources", func(t *testing.T) {
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      imageConfig(h, "  source_file = { data_path = \"/x.tar\" }\n  source_instance = { name = \"web\" }\n"),
					ExpectError: acctest.DiagRE(`Invalid Attribute Combination`),
				}},
			})
		})
		t.Run("no_source", func(t *testing.T) {
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      imageConfig(h, "  description = \"x\"\n"),
					ExpectError: acctest.DiagRE(`Invalid Attribute Combination`),
				}},
			})
		})
		t.Run("operation_failure", func(t *testing.T) {
			if !h.IsMock() {
				t.Skip("the failed operation is injected on the mock; on the real daemon not_an_image shows a failed operation with its ID")
			}
			name := acctest.RandomName("opf")
			files := writeImage(t, name)
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					PreConfig: func() {
						h.Mock.InjectFault(mockFault("POST", "/1.0/images", "disk full"))
					},
					Config:      imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q }\n", files.Unified)),
					ExpectError: acctest.DiagRE(`Incus operation [0-9a-f-]{36} \(Downloading image\).*ended with status Failure.*Server error: disk full.*incus operation show [0-9a-f-]{36}`),
				}},
			})
		})
		t.Run("import_missing", func(t *testing.T) {
			files := writeImage(t, acctest.RandomName("imp"))
			acctest.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:        imageConfig(h, fmt.Sprintf("  source_file = { data_path = %q }\n", files.Unified)),
					ResourceName:  addr,
					ImportState:   true,
					ImportStateId: "test:default/0123456789abcdef0123",
					ExpectError:   acctest.DiagRE(`Cannot Import Incus Image.*not found`),
				}},
			})
		})
	})
}

func mockFault(method, prefix, message string) mockhost.Fault {
	return mockhost.Fault{Method: method, PathPrefix: prefix, Times: 1, FailOperation: true, Message: message}
}

// TestAccIncusImage_copy copies an image from a public image server, with
// its aliases. Mock only: the real daemon here serves no image server (that
// would need core.https_address on the shared daemon), so its variant is skipped.
func TestAccIncusImage_copy(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the real test daemon has no image server to copy from (no internet; serving itself over HTTPS would change the shared daemon's config)")
		}
		pub := h.PublicImageServer(t, "pub")
		fp := "5ee1c0de5ee1c0de5ee1c0de5ee1c0de5ee1c0de5ee1c0de5ee1c0de5ee1c0de"
		pub.CopyImage(fp, "container", true, "pub/busybox")
		tr := newTracker()
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{
				{
					Config: imageConfig(h, `  source_image = { remote = "pub", name = "pub/busybox", copy_aliases = true }
  auto_update  = true
`),
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						resource.TestCheckResourceAttr(addr, "fingerprint", fp),
						resource.TestCheckResourceAttr(addr, "auto_update", "true"),
						resource.TestCheckResourceAttr(addr, "aliases.#", "1"),
						resource.TestCheckResourceAttr(addr, "aliases.0", "pub/busybox"),
					),
				},
				{
					// Another image on the server replaces the copy.
					PreConfig: func() {
						pub.CopyImage("ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11", "container", true, "pub/other")
					},
					Config: imageConfig(h, `  source_image = { remote = "pub", name = "pub/other" }
  auto_update  = true
`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						resource.TestCheckResourceAttr(addr, "fingerprint", "ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11"),
					),
				},
				{
					Config:      imageConfig(h, `  source_image = { remote = "pub", name = "pub/missing" }`),
					ExpectError: acctest.DiagRE(`Image alias "pub/missing" \(remote "pub"\) was not found`),
				},
			},
		})
	})
}

// TestAccIncusImage_publishRunning: incusd refuses to publish a running
// instance; the diagnostic carries its words and the operation ID.
func TestAccIncusImage_publishRunning(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		inst := acctest.RandomName("run")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, inst),
			Steps: []resource.TestStep{{
				Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "src" {
  remote       = "test"
  name         = %q
  image        = %q
  stop_timeout = 0
}

resource "rack_incus_image" "test" {
  remote          = "test"
  source_instance = { name = rack_incus_instance.src.name }
}
`, inst, h.Image),
				ExpectError: acctest.DiagRE(`Incus operation [0-9a-f-]{36} .*ended with status Failure.*Cannot export a running instance as an image`),
			}},
		})
	})
}

// TestAccIncusImage_publishSnapshot publishes a snapshot of an instance.
func TestAccIncusImage_publishSnapshot(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		inst := acctest.RandomName("snap")
		tr := newTracker()
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             tr.gone(h),
			Steps: []resource.TestStep{
				{
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "src" {
  remote       = "test"
  name         = %q
  image        = %q
  stop_timeout = 0
}
`, inst, h.Image),
					Check: func(*terraform.State) error {
						op, err := h.Client.CreateInstanceSnapshot(inst, api.InstanceSnapshotsPost{Name: "s1"})
						if err != nil {
							return err
						}
						_, _, err = h.Client.GetOperationWait(op.Get().ID, 60)
						return err
					},
				},
				{
					// A running instance's snapshot can be published.
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "src" {
  remote       = "test"
  name         = %q
  image        = %q
  stop_timeout = 0
}

resource "rack_incus_image" "test" {
  remote          = "test"
  source_instance = { name = rack_incus_instance.src.name, snapshot = "s1" }
}
`, inst, h.Image),
					Check: resource.ComposeAggregateTestCheckFunc(tr.record(),
						resource.TestCheckResourceAttr(addr, "source_instance.snapshot", "s1"),
						resource.TestMatchResourceAttr(addr, "fingerprint", regexp.MustCompile(`^[0-9a-f]{64}$`)),
					),
				},
			},
		})
	})
}
