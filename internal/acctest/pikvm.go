package acctest

import (
	"fmt"
	"os"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// noIncusConfig is an incus CLI config directory that does not exist, so
// PiKVM tests read no developer's Incus remotes.
const noIncusConfig = "/nonexistent/rack-acc-incus-config"

// KVMDHost is a fake kvmd for one test.
type KVMDHost struct {
	Fake     *mockhost.KVMD
	Password string
	TOTP     string
}

// StartKVMD starts a fake kvmd on loopback with user admin / the password
// in opts (default "admin").
func StartKVMD(t *testing.T, opts mockhost.KVMDOptions) *KVMDHost {
	t.Helper()
	return startKVMD(t, opts, mockhost.StartKVMD)
}

// StartKVMDTLS is StartKVMD over HTTPS with a self-signed certificate.
func StartKVMDTLS(t *testing.T, opts mockhost.KVMDOptions) *KVMDHost {
	t.Helper()
	return startKVMD(t, opts, mockhost.StartKVMDTLS)
}

func startKVMD(t *testing.T, opts mockhost.KVMDOptions, start func(string, mockhost.KVMDOptions) (*mockhost.KVMD, error)) *KVMDHost {
	t.Helper()
	if opts.Users == nil {
		opts.Users = map[string]string{"admin": "admin"}
	}
	k, err := start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("starting fake kvmd: %v", err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return &KVMDHost{Fake: k, Password: opts.Users["admin"], TOTP: opts.TOTPSecret}
}

// ProviderConfig names the fake "kvm1" in a provider block; extra goes
// inside the pikvm block (a TOTP secret, say).
func (k *KVMDHost) ProviderConfig(extra string) string {
	return PiKVMProviderConfig(k.Fake.URL(), k.Password, extra)
}

// PiKVMProviderConfig is a provider block with one pikvm block "kvm1".
func PiKVMProviderConfig(url, password, extra string) string {
	return fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  pikvm {
    name     = "kvm1"
    url      = %q
    username = "admin"
    password = %q
    %s
  }
}
`, noIncusConfig, url, password, extra)
}

// RealPiKVMConfig is a provider block for the real PiKVM named by
// RACK_ACC_PIKVM_URL (with RACK_ACC_PIKVM_USERNAME, _PASSWORD,
// _TOTP_SECRET), or "" when none is set. Tests use it read-only.
func RealPiKVMConfig() string {
	url := os.Getenv("RACK_ACC_PIKVM_URL")
	if url == "" {
		return ""
	}
	return fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  pikvm {
    name        = "real"
    url         = %q
    username    = %q
    password    = %q
    totp_secret = %q
    insecure    = true
  }
}
`, noIncusConfig, url, os.Getenv("RACK_ACC_PIKVM_USERNAME"), os.Getenv("RACK_ACC_PIKVM_PASSWORD"), os.Getenv("RACK_ACC_PIKVM_TOTP_SECRET"))
}
