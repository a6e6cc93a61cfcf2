package provider

import (
	"fmt"
	"os"
	"strings"

	"github.com/rackform/terraform-provider-rack/internal/incus"
)

// A test file without a provider block (or an acceptance test without an
// incus_remote) silently uses the local Incus: real instances on the
// developer's machine. Configure warns when that happens during a test.
//
// Terraform sets no environment variable for `terraform test`; the one
// reliable sign is the command line of the provider's parent, which is the
// terraform (or tofu) process. That is read from /proc, so on systems without
// it only TF_ACC counts.

// defaultSocketWarning is the warning for a default remote that falls back to
// the local Incus socket while a test runs and a socket is there; ok is false
// when none applies. fromBlock says the remote comes from an incus_remote
// block (an explicit choice, never warned about).
func defaultSocketWarning(r incus.Remote, fromBlock bool, test string, isSocket func(string) bool) (summary, detail string, ok bool) {
	if fromBlock || test == "" {
		return "", "", false
	}
	socket, ok := r.DefaultSocket()
	if !ok || !isSocket(socket) {
		return "", "", false
	}
	return "Using the local Incus during a test",
		fmt.Sprintf("The provider is using the local Incus at %s (remote %q): no incus_remote block, INCUS_SOCKET or INCUS_DIR names another server, and %s. "+
			"Resources without a remote are created on that daemon, next to whatever else runs there.\n\n"+
			"To test against the mock host instead, give the test a provider \"rack\" block with an incus_remote whose address is the mock's socket "+
			"(see the guide \"Testing modules with the mock host\").", socket, r.Name, test), true
}

// runningTest names the sign that a test is running ("" when none): TF_ACC,
// or a parent process that is `terraform test`.
func runningTest() string {
	if os.Getenv("TF_ACC") != "" {
		return "TF_ACC is set (an acceptance test)"
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", os.Getppid())); err == nil && isTestCommand(strings.Split(string(b), "\x00")) {
		return "this is a `terraform test` run"
	}
	return ""
}

// isTestCommand reports whether a terraform command line runs the test
// subcommand: its first argument that is not a global flag (-chdir=DIR).
func isTestCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		return a == "test"
	}
	return false
}

func isUnixSocket(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&os.ModeSocket != 0
}
