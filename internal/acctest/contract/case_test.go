package contract_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// Case is what one resource type tells the contract test.
type Case struct {
	// Incus: the type runs on each Incus host (the mock, and the real
	// daemon when present); otherwise on a fake kvmd. MockOnly, when set,
	// says why the real daemon cannot run it.
	Incus    bool
	MockOnly string
	// Cluster: the type needs an Incus cluster; it runs on the mock cluster
	// and the real one (RACK_ACC_INCUS_CLUSTER_SOCKET), not on a standalone host.
	Cluster bool
	// KVMD configures the fake kvmd of a PiKVM case (its password is
	// always the secret canary).
	KVMD mockhost.KVMDOptions
	// Address is the resource Config declares; Config declares it (and
	// what it needs) for an object named name, on remote "test" or PiKVM
	// "kvm1".
	Address string
	Config  func(env *Env, name string) string
	// ImportID is the exact ID the object is imported by.
	ImportID     func(env *Env, name string) string
	ImportIgnore []string
	// TakeName makes, out of band, an object with the name the config
	// uses; nil for a type with no name to take (a machine's power).
	TakeName func(t *testing.T, env *Env, name string)
	// DeleteOutOfBand removes the object behind Terraform's back; Exists
	// tells whether it is on the host.
	DeleteOutOfBand func(t *testing.T, env *Env, name string)
	Exists          func(t *testing.T, env *Env, name string) bool
	// Identity is the state of an object that does not exist (the
	// attributes Read and Delete look at); nil when the object cannot be
	// gone, and NoGone says why.
	Identity func(env *Env, name string) map[string]string
	NoGone   string
	// CreateRequest matches the request that creates the object (method
	// and path prefix), for the interrupted-create clause on the mock.
	CreateRequest mockhost.Fault
	// Prepare makes out of band what the config needs before the object
	// (a snapshot's volume), for the interrupted-create clause.
	Prepare func(t *testing.T, env *Env, name string)
	// CutCreateError is the error of a cut create, for a type whose create
	// is more than one request (the object exists, but the later requests
	// were not sent: saved tainted); nil when a cut create finishes cleanly.
	CutCreateError *regexp.Regexp
	// RenameRequest, for a type renamed in place, matches the request that
	// renames the object called name, for the interrupted-rename clause.
	RenameRequest func(name string) mockhost.Fault
	// Secrets, when set, reads from the host the secret values the object
	// holds now (a bucket key's secret key): like the canary, none may
	// appear in a diagnostic or the log.
	Secrets func(t *testing.T, env *Env, name string) []string
}

// cases has one entry per resource type; contract_cases_<area>_test.go
// files fill it.
var cases = map[string]Case{}

// Env is the host one case runs on.
type Env struct {
	Incus *acctest.IncusHost
	KVMD  *acctest.KVMDHost
}

// ProviderConfig selects the host. The PiKVM password is the secret
// canary in both kinds of run.
func (e *Env) ProviderConfig() string {
	if e.Incus != nil {
		return e.Incus.ProviderConfigWith(fmt.Sprintf(`  pikvm {
    name     = "canary"
    url      = "http://127.0.0.1:9"
    password = %q
  }`, secretCanary))
	}
	return e.KVMD.ProviderConfig("")
}

// Data is what Configure would hand the resources, for direct calls.
func (e *Env) Data(t *testing.T) *providerdata.Data {
	t.Helper()
	if e.Incus != nil {
		c, err := incus.New(incus.Options{Remotes: map[string]incus.Remote{"test": {Name: "test", Address: "unix://" + e.Incus.Socket}}, DefaultRemote: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return &providerdata.Data{Incus: c}
	}
	c, err := kvmd.New(kvmd.Device{Name: "kvm1", URL: e.KVMD.Fake.URL(), Username: "admin", Password: e.KVMD.Password}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providerdata.Data{PiKVMs: &providerdata.PiKVMDevices{Clients: map[string]*kvmd.Client{"kvm1": c}, Default: "kvm1"}}
}

// hosts runs fn on each host of the case.
func (c Case) hosts(t *testing.T, fn func(t *testing.T, env *Env)) {
	if !c.Incus {
		opts := c.KVMD
		opts.Users = map[string]string{"admin": secretCanary}
		k := acctest.StartKVMD(t, opts)
		fn(t, &Env{KVMD: k})
		return
	}
	each := acctest.ForEachIncusHost
	if c.Cluster {
		each = acctest.ForEachIncusCluster
	}
	each(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() && c.MockOnly != "" {
			t.Skip(c.MockOnly)
		}
		fn(t, &Env{Incus: h})
	})
}
