package moduletest

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// module is the example module under test, from this package's directory.
const module = "../../../examples/modules/web-db"

// runs are the run blocks of its tests/web_db.tftest.hcl, all expected to pass.
var runs = []string{"plan_names_and_nic", "apply_gives_distinct_addresses", "rejects_a_bad_name"}

var summaryRE = regexp.MustCompile(`(Success|Failure)! (\d+) passed, (\d+) failed`)

// The example module's test file passes against the mock host: every run
// block passes, the instances it created are gone afterwards, and the
// provider gives no default-socket warning (the test file has a provider
// block).
func TestAccExampleModule_terraformTest(t *testing.T) {
	tf := setup(t)
	// The mock as `make mock` runs it: like a fresh `incus admin init`.
	socket := filepath.Join(shortTempDir(t), "incus.sock")
	m, err := mockhost.StartIncusWith(socket, mockhost.IncusOptions{ImageAlias: acctest.DefaultImage, AdminInit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	dir := copyModule(t, module)

	// An undeclared variable given with -var is read as an HCL expression
	// by terraform test, hence the quotes.
	out, err := tf.run(dir, "test", "-var", fmt.Sprintf("incus_socket=%q", socket))
	if err != nil {
		t.Fatalf("terraform test failed: %v\n%s", err, out)
	}
	sum := summaryRE.FindStringSubmatch(out)
	if sum == nil || sum[1] != "Success" || sum[2] != fmt.Sprint(len(runs)) || sum[3] != "0" {
		t.Errorf("want \"Success! %d passed, 0 failed\", got %q\n%s", len(runs), sum, out)
	}
	for _, r := range runs {
		if !strings.Contains(out, fmt.Sprintf("run %q... pass", r)) {
			t.Errorf("run %q did not pass:\n%s", r, out)
		}
	}
	if strings.Contains(out, "Using the local Incus") {
		t.Errorf("a test with a provider block must not warn about the local Incus:\n%s", out)
	}
	if m.Requests() == 0 {
		t.Error("the mock host served no request: the test ran against something else")
	}
	if left := m.InstanceNames(); len(left) > 0 {
		t.Errorf("terraform test left instances on the mock host: %v", left)
	}
}

// A test file without a provider block uses the local Incus; under
// `terraform test` (no TF_ACC) the provider says so. It needs a daemon at the
// default socket, so it runs only on the real test host, and only plans
// (image lookups are its only requests).
func TestAccExampleModule_noProviderBlockWarns(t *testing.T) {
	tf := setup(t)
	socket, _ := incus.Remote{Address: "unix://"}.DefaultSocket()
	if real := os.Getenv("RACK_ACC_INCUS_SOCKET"); real == "" || real != socket {
		t.Skipf("needs RACK_ACC_INCUS_SOCKET to be the default socket %s", socket)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.tf"), `
terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}

resource "rack_incus_instance" "x" {
  name  = "never-created"
  image = "`+acctest.DefaultImage+`"
}
`)
	write(t, filepath.Join(dir, "plan.tftest.hcl"), "run \"plan_only\" {\n  command = plan\n}\n")

	tf.env = withoutEnv(tf.env, "TF_ACC", "INCUS_SOCKET", "INCUS_DIR")
	out, err := tf.run(dir, "test")
	if err != nil {
		t.Fatalf("terraform test failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Warning: Using the local Incus during a test", "using the local Incus at " + socket, "terraform test"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in the output:\n%s", want, out)
		}
	}
}

// terraform runs terraform with the built provider through dev_overrides.
type terraform struct {
	env []string
}

func setup(t *testing.T) *terraform {
	t.Helper()
	acctest.PreCheck(t)
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH: this test runs terraform test")
	}
	bin := t.TempDir()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-rack"), root).CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	home := t.TempDir()
	tfrc := filepath.Join(home, "dev.tfrc")
	write(t, tfrc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"rackform/rack\" = %q\n  }\n  direct {}\n}\n", bin))
	return &terraform{env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+tfrc,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1", // no version check over the network
		"INCUS_CONF="+home,     // no incus CLI remotes of the developer
	)}
}

func (tf *terraform) run(dir string, args ...string) (string, error) {
	cmd := exec.Command("terraform", append([]string{"-chdir=" + dir}, append(args, "-no-color")...)...)
	cmd.Env = tf.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyModule copies a module with its tests into a temporary directory, so
// that terraform leaves nothing in the repository.
func copyModule(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir // .terraform of a manual run
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
outer:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// shortTempDir is a temporary directory with a short path: unix socket
// paths are limited to 108 bytes.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-mod-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
