package trust_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// openTokens are the trust tokens a real daemon still holds open.
func openTokens(c incusclient.InstanceServer) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ops, err := c.GetOperations()
		if err != nil {
			return err
		}
		for _, op := range ops {
			if op.Class == "token" && op.StatusCode == api.Running {
				return fmt.Errorf("trust token operation %s is still open after the run", op.ID)
			}
		}
		return nil
	}
}

// freeLoopbackPort is a TCP port on 127.0.0.1 that nothing listens on now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// On a real incusd listening on loopback (a private daemon: the shared one
// keeps its configuration): an unused token is revoked at the end of the
// run, and a new client trusts the server in one apply with its token.
func TestAccIncusTrustToken_realPrivateDaemon(t *testing.T) {
	acctest.PreCheck(t)
	shared := acctest.RealHost(t)
	p := acctest.StartPrivateIncus(t, shared)
	address := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
	srv, etag, err := p.Client.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	put := srv.Writable()
	put.Config["core.https_address"] = address
	put.Config["core.remote_token_expiry"] = "1H" // tokens then carry their expiry
	if err := p.Client.UpdateServer(put, etag); err != nil {
		t.Fatalf("setting core.https_address on the private incusd: %v", err)
	}
	srv, _, err = p.Client.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := mockhost.SelfSignedCertificate("new-client")
	if err != nil {
		t.Fatal(err)
	}
	fp := validFingerprint(t, certPEM)
	t.Cleanup(func() { _ = p.Client.DeleteCertificate(fp) })
	name := acctest.RandomName("laptop")
	unused := p.ProviderConfig() + fmt.Sprintf(`
ephemeral "rack_incus_trust_token" "t" {
  remote      = "test"
  client_name = %q
}

provider "echo" {
  data = ephemeral.rack_incus_trust_token.t
}

resource "echo" "t" {}
`, name)
	used := p.ProviderConfig() + fmt.Sprintf(`
ephemeral "rack_incus_trust_token" "t" {
  remote      = "test"
  client_name = %q
  restricted  = true
  projects    = ["default"]
}

provider "rack" {
  alias            = "laptop"
  incus_config_dir = %q
  incus_remote {
    name               = "lab"
    address            = "https://%s"
    client_certificate = %q
    client_key         = %q
    server_certificate = %q
    trust_token        = ephemeral.rack_incus_trust_token.t.token
  }
}

data "rack_incus_certificate" "me" {
  provider    = rack.laptop
  fingerprint = %q
}
`, name, t.TempDir(), address, certPEM, keyPEM, srv.Environment.Certificate, fp)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: withEcho(),
		Steps: []resource.TestStep{
			{
				Config: unused,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("client_name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.NotNull()),
				},
				Check: openTokens(p.Client),
			},
		},
	})
	// A TestCase of its own: the echo resource above holds its token in
	// state, which the checks below would find.
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: used,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{noTokenInPlan{}},
					PostApplyPostRefresh: []plancheck.PlanCheck{noTokenInPlan{}},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.rack_incus_certificate.me", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("data.rack_incus_certificate.me", tfjsonpath.New("restricted"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeTestCheckFunc(noTokenInState, openTokens(p.Client)),
			},
		},
	})
}
