// Package acctest runs the provider's acceptance tests against every Incus
// host available: the in-repo mock host always, and a real incusd when
// RACK_ACC_INCUS_SOCKET names its unix socket (CI installs and starts one).
package acctest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	incusclient "github.com/lxc/incus/v6/client"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/provider"
)

// DefaultImage is the image alias the tests create instances from. CI builds
// a busybox image under this alias on the real host; the mock has it built in.
const DefaultImage = "rack-busybox"

// ProviderFactories serve the provider in-process for terraform-plugin-testing.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"rack": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// IncusHost is one Incus daemon the tests run against.
type IncusHost struct {
	Name   string // "mock" or "real"
	Socket string
	Image  string
	Mock   *mockhost.Incus // nil on the real host
	// Client talks to the host directly, for out-of-band changes (drift).
	Client incusclient.InstanceServer
	// configDir is an empty incus client config directory, so that the
	// tests never read the developer's own remotes.
	configDir string
	// publicRemotes are the image servers written into configDir.
	publicRemotes []string
}

// IsMock reports whether this is the in-repo mock host.
func (h *IncusHost) IsMock() bool { return h.Mock != nil }

// ProviderConfig is the provider block selecting this host as remote "test".
func (h *IncusHost) ProviderConfig() string { return h.ProviderConfigWith("") }

// ProviderConfigWith is ProviderConfig with extra inside the provider block
// (a pikvm block, say).
func (h *IncusHost) ProviderConfigWith(extra string) string {
	return fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  incus_remote {
    name    = "test"
    address = "unix://%s"
  }
%s
}
`, h.configDir, h.Socket, extra)
}

// PreCheck fails fast when acceptance tests are not enabled.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests need TF_ACC=1 (make test sets it)")
	}
}

// ForEachIncusHost runs fn as a subtest per available host: "mock" always,
// "real" when RACK_ACC_INCUS_SOCKET is set.
func ForEachIncusHost(t *testing.T, fn func(t *testing.T, h *IncusHost)) {
	t.Helper()
	PreCheck(t)
	t.Run("mock", func(t *testing.T) {
		t.Parallel()
		fn(t, StartMockHost(t))
	})
	t.Run("real", func(t *testing.T) {
		socket := os.Getenv("RACK_ACC_INCUS_SOCKET")
		if socket == "" {
			t.Skip("no real Incus: set RACK_ACC_INCUS_SOCKET to its unix socket")
		}
		t.Parallel()
		fn(t, realHost(t, socket))
	})
}

// StartMockHost starts a mock incusd for one test.
func StartMockHost(t *testing.T) *IncusHost {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-acc-") // short: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "incus.sock")
	m, err := mockhost.StartIncus(socket, DefaultImage)
	if err != nil {
		t.Fatalf("starting mock incusd: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return &IncusHost{Name: "mock", Socket: socket, Image: DefaultImage, Mock: m, Client: connect(t, socket), configDir: t.TempDir()}
}

// RealHost is the shared real incusd that RACK_ACC_INCUS_SOCKET names; the
// test is skipped when there is none.
func RealHost(t *testing.T) *IncusHost {
	t.Helper()
	socket := os.Getenv("RACK_ACC_INCUS_SOCKET")
	if socket == "" {
		t.Skip("no real Incus: set RACK_ACC_INCUS_SOCKET to its unix socket")
	}
	return realHost(t, socket)
}

func realHost(t *testing.T, socket string) *IncusHost {
	t.Helper()
	image := os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = DefaultImage
	}
	return &IncusHost{Name: "real", Socket: socket, Image: image, Client: connect(t, socket), configDir: t.TempDir()}
}

func connect(t *testing.T, socket string) incusclient.InstanceServer {
	t.Helper()
	c, err := incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true})
	if err != nil {
		t.Fatalf("connecting to %s: %v", socket, err)
	}
	return c
}

// RandomName returns a unique Incus-valid name with a prefix.
func RandomName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// HTTPSRemote serves the mock host over HTTPS on loopback and returns an
// incus_remote block for it named "tls", with a fresh client certificate
// (trusted when trusted is set) and the server certificate pinned. extra is
// added inside the block (a trust_token, say).
func (h *IncusHost) HTTPSRemote(t *testing.T, trusted bool, extra string) string {
	t.Helper()
	url, serverCert, err := h.Mock.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := mockhost.SelfSignedCertificate("rack-acc-client")
	if err != nil {
		t.Fatal(err)
	}
	if trusted {
		h.Mock.TrustCertificate(cert)
	}
	return fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  incus_remote {
    name               = "tls"
    address            = %q
    client_certificate = %q
    client_key         = %q
    server_certificate = %q
    %s
  }
}
`, h.configDir, url, cert, key, serverCert, extra)
}

// WaitReady waits for the mock host to answer again after a Restart.
func (h *IncusHost) WaitReady(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !h.Mock.Ready(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the mock host did not come back after its restart")
		}
	}
}

// PublicImageServer starts a mock incusd serving images over HTTPS on
// loopback and names it remote `name` in the incus client configuration the
// provider reads (public, protocol incus, its certificate pinned), as
// `incus remote add <name> <url> --public` does. Put images on it with
// CopyImage; untrusted clients see the public ones.
func (h *IncusHost) PublicImageServer(t *testing.T, name string) *mockhost.Incus {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-pub-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := mockhost.StartIncus(filepath.Join(dir, "incus.sock"), "private-image")
	if err != nil {
		t.Fatalf("starting the image server: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	url, cert, err := m.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.publicRemotes = append(h.publicRemotes, fmt.Sprintf("  %s:\n    addr: %s\n    protocol: incus\n    public: true\n", name, url))
	conf := "default-remote: local\nremotes:\n" + strings.Join(h.publicRemotes, "")
	if err := os.MkdirAll(filepath.Join(h.configDir, "servercerts"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.configDir, "servercerts", name+".crt"), []byte(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.configDir, "config.yml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// ClusterMembers are the members of the test cluster: the mock's and those
// .ci/install-incus-cluster.sh starts.
var ClusterMembers = []string{"c1", "c2"}

// ForEachIncusCluster runs fn as a subtest per available cluster: "mock"
// (a mock host that is a cluster of ClusterMembers) always, "real" when
// RACK_ACC_INCUS_CLUSTER_SOCKET names a member's unix socket of a real
// cluster with those members (CI starts one; not the standalone daemon).
func ForEachIncusCluster(t *testing.T, fn func(t *testing.T, h *IncusHost)) {
	t.Helper()
	PreCheck(t)
	t.Run("mock", func(t *testing.T) {
		t.Parallel()
		fn(t, StartMockCluster(t))
	})
	t.Run("real", func(t *testing.T) {
		t.Parallel()
		fn(t, ClusterHost(t))
	})
}

// StartMockCluster starts a mock incusd that is a cluster of ClusterMembers.
func StartMockCluster(t *testing.T) *IncusHost {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-acc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "incus.sock")
	m, err := mockhost.StartIncusWith(socket, mockhost.IncusOptions{ImageAlias: DefaultImage, Cluster: ClusterMembers})
	if err != nil {
		t.Fatalf("starting mock incusd: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return &IncusHost{Name: "mock", Socket: socket, Image: DefaultImage, Mock: m, Client: connect(t, socket), configDir: t.TempDir()}
}

// ClusterHost is the real cluster RACK_ACC_INCUS_CLUSTER_SOCKET names; the
// test is skipped when there is none.
func ClusterHost(t *testing.T) *IncusHost {
	t.Helper()
	socket := os.Getenv("RACK_ACC_INCUS_CLUSTER_SOCKET")
	if socket == "" {
		t.Skip("no real Incus cluster: set RACK_ACC_INCUS_CLUSTER_SOCKET to a member's unix socket (.ci/install-incus-cluster.sh starts one)")
	}
	LockCluster(t)
	return realHost(t, socket)
}

// ClusterLockPath is the file whose lock a test holds while it uses the
// real cluster: its tests change members (evacuate, groups) and the server
// configuration, and go test runs packages at the same time.
const ClusterLockPath = "/tmp/rack-acc-incus-cluster.lock"

// LockCluster holds the real cluster for the rest of the test.
func LockCluster(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(ClusterLockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("opening %s: %v", ClusterLockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		t.Fatalf("locking %s: %v", ClusterLockPath, err)
	}
	t.Cleanup(func() { _ = f.Close() }) // closing releases the lock
}
