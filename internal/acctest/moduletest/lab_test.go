package moduletest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// lab is the example the guide "A small lab from scratch" shows in full.
const lab = "../../../examples/lab"

// The lab example applies as written on the mock host (as `make mock` runs
// it) and on the real daemon when there is one, plans nothing afterwards,
// and destroys without leaving anything.
func TestAccLabExample(t *testing.T) {
	tf := setup(t)
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		socket := h.Socket
		if h.IsMock() {
			// The mock as `make mock` starts it, not the tests' bare one.
			socket = filepath.Join(shortTempDir(t), "incus.sock")
			m, err := mockhost.StartIncusWith(socket, mockhost.IncusOptions{ImageAlias: acctest.DefaultImage, AdminInit: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Close() })
		}
		dir := copyModule(t, lab)
		vars := []string{"-var", "incus_socket=" + socket, "-var", "image=" + h.Image}
		if !h.IsMock() {
			vars = append(vars, "-var", "network=") // the test daemon has no managed bridge
		}
		run := func(args ...string) string {
			t.Helper()
			out, err := tf.run(dir, append(args, vars...)...)
			if err != nil {
				t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		destroyed := false
		t.Cleanup(func() {
			if !destroyed {
				_, _ = tf.run(dir, append([]string{"destroy", "-auto-approve"}, vars...)...)
			}
		})
		out := run("apply", "-auto-approve")
		if !strings.Contains(out, "Apply complete! Resources: 6 added") {
			t.Errorf("apply did not add the lab's 6 resources:\n%s", out)
		}
		run("plan", "-detailed-exitcode") // exit status 2 (changes) fails run
		out = run("destroy", "-auto-approve")
		destroyed = true
		if !strings.Contains(out, "Resources: 6 destroyed") {
			t.Errorf("destroy did not remove the lab's 6 resources:\n%s", out)
		}
		if _, _, err := h.Client.UseProject("lab").GetInstance("web"); err == nil {
			t.Errorf("instance web is left on the %s host", h.Name)
		}
	})
}
