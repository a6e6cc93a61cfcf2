package instance_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	incusclient "github.com/lxc/incus/v6/client"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// hostFile reads a path in an instance straight from the host; ok is false
// when it is missing.
func hostFile(t *testing.T, h *acctest.IncusHost, instance, p string) (content, typ string, ok bool) {
	t.Helper()
	body, resp, err := h.Client.GetInstanceFile(instance, p)
	if err != nil {
		return "", "", false
	}
	if body == nil { // a directory
		return "", resp.Type, true
	}
	defer func() { _ = body.Close() }()
	b, _ := io.ReadAll(body)
	return string(b), resp.Type, true
}

func checkHostFile(t *testing.T, h *acctest.IncusHost, instance, p, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, _, ok := hostFile(t, h, instance, p)
		switch {
		case !ok && want != "<absent>":
			return fmt.Errorf("%s is missing in %s", p, instance)
		case ok && want == "<absent>":
			return fmt.Errorf("%s is still in %s", p, instance)
		case ok && got != want:
			return fmt.Errorf("%s in %s holds %q, want %q", p, instance, got, want)
		}
		return nil
	}
}

func checkHostType(t *testing.T, h *acctest.IncusHost, instance, p, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, typ, ok := hostFile(t, h, instance, p); !ok || typ != want {
			return fmt.Errorf("%s in %s: type %q (present %v), want %q", p, instance, typ, ok, want)
		}
		return nil
	}
}

// Files are uploaded before the first start, changed in place, removed when
// dropped, uploaded again after an out-of-band change or deletion; import
// leaves them out of state.
func TestAccIncusInstance_files(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("files")
		src := filepath.Join(t.TempDir(), "app.conf")
		if err := os.WriteFile(src, []byte("port=1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		config := func(motd string, extra string) string {
			return acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  files = [
    { target_path = "/etc/motd", content = %q, mode = "0640" },
    { target_path = "/opt/app/conf.d/app.conf", source_path = %q, create_directories = true },
%s  ]
  execs = {
    show = { command = ["sh", "-c", "busybox cat /etc/motd /opt/app/conf.d/app.conf"], record_output = true }
  }
`, name, h.Image, motd, src, extra))
		}
		extras := `    { target_path = "/srv", type = "directory", mode = "0750" },
    { target_path = "/etc/motd.link", type = "symlink", content = "/etc/motd" },
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: config("hello\n", extras),
					Check: resource.ComposeAggregateTestCheckFunc(
						// The exec ran after the upload: it saw both files.
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.show.stdout", "hello\nport=1\n"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.show.exit_code", "0"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "status", "Running"),
						resource.TestMatchResourceAttr(acctest.InstanceAddr, "files.0.sha256", regexp.MustCompile(`^[0-9a-f]{64}$`)),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "files.2.sha256", ""),
						checkHostFile(t, h, name, "/etc/motd", "hello\n"),
						checkHostFile(t, h, name, "/opt/app/conf.d/app.conf", "port=1\n"),
						checkHostType(t, h, name, "/srv", "directory"),
						checkHostType(t, h, name, "/etc/motd.link", "symlink"),
					),
				},
				{ // new content and a new source file: uploaded in place; the once exec stays as it ran
					PreConfig: func() {
						if err := os.WriteFile(src, []byte("port=2\n"), 0o600); err != nil {
							t.Fatal(err)
						}
					},
					Config: config("bye\n", extras),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkHostFile(t, h, name, "/etc/motd", "bye\n"),
						checkHostFile(t, h, name, "/opt/app/conf.d/app.conf", "port=2\n"),
						resource.TestCheckResourceAttr(acctest.InstanceAddr, "execs.show.stdout", "hello\nport=1\n"),
					),
				},
				{ // dropped entries are deleted from the instance
					Config: config("bye\n", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkHostFile(t, h, name, "/srv", "<absent>"),
						checkHostFile(t, h, name, "/etc/motd.link", "<absent>"),
						checkHostFile(t, h, name, "/etc/motd", "bye\n"),
					),
				},
				{ // deleted out of band: the refresh sees it, apply uploads it again
					PreConfig: func() {
						if err := h.Client.DeleteInstanceFile(name, "/etc/motd"); err != nil {
							t.Fatal(err)
						}
					},
					Config: config("bye\n", ""),
					Check:  checkHostFile(t, h, name, "/etc/motd", "bye\n"),
				},
				{ // changed out of band: the same
					PreConfig: func() {
						err := h.Client.CreateInstanceFile(name, "/opt/app/conf.d/app.conf", incusclient.InstanceFileArgs{
							Content: bytes.NewReader([]byte("tampered")), UID: -1, GID: -1, Mode: -1, Type: "file",
						})
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: config("bye\n", ""),
					Check:  checkHostFile(t, h, name, "/opt/app/conf.d/app.conf", "port=2\n"),
				},
				{ // import: files and execs are not read back into state
					ResourceName:            acctest.InstanceAddr,
					ImportState:             true,
					ImportStateId:           "test:" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"files", "execs"},
				},
			},
		})
	})
}

// A file written over an existing directory fails with incusd's text and
// names the entry.
func TestAccIncusInstance_fileTargetIsDirectory(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("filedir")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  files = [{ target_path = "/tmp/x", content = "x" }, { target_path = "/etc", content = "oops" }]
`, name, h.Image)),
				ExpectError: acctest.DiagRE(`Unable to Upload File to Incus Instance.*files\[1\] \(/etc\).*is a directory.*/etc is an existing directory in the instance`),
			}},
		})
	})
}

// A missing parent directory without create_directories says what to do.
func TestAccIncusInstance_fileMissingParent(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("fileparent")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  files = [{ target_path = "/no/such/dir/f", content = "x" }]
`, name, h.Image)),
				ExpectError: acctest.DiagRE(`files\[0\] \(/no/such/dir/f\).*The parent directory /no/such/dir does not exist in the instance: set create_directories = true`),
			}},
		})
	})
}

// What the configuration alone shows is wrong fails the plan.
func TestAccIncusInstance_filesPlanTime(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	cases := map[string]struct{ files string }{
		"both":         {`[{ target_path = "/a", content = "x", source_path = "/etc/hosts" }]`},
		"neither":      {`[{ target_path = "/a" }]`},
		"relative":     {`[{ target_path = "a", content = "x" }]`},
		"badMode":      {`[{ target_path = "/a", content = "x", mode = "0999" }]`},
		"dirContent":   {`[{ target_path = "/a", type = "directory", content = "x" }]`},
		"symlinkNoTgt": {`[{ target_path = "/a", type = "symlink" }]`},
		"duplicate":    {`[{ target_path = "/a", content = "x" }, { target_path = "/a", content = "y" }]`},
		"missingSrc":   {`[{ target_path = "/a", source_path = "/nonexistent/rack-test-file" }]`},
	}
	wants := map[string]string{
		"both": `files\[0\] \(/a\) needs exactly one of content and source_path`, "neither": `needs exactly one of content and source_path`,
		"relative": `must be an absolute path`, "badMode": `must be an octal mode such as "0644"`,
		"dirContent": `is a directory: it takes neither content nor source_path`, "symlinkNoTgt": `is a symlink: give its target as content`,
		"duplicate": `files\[0\] and files\[1\] both write /a`, "missingSrc": `Cannot Read Source File.*files\[0\]\.source_path:.*no such file`,
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = \"a\"\n  image = %q\n  files = %s\n", h.Image, tc.files)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(wants[name]),
				}},
			})
		})
	}
}
