package trust_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// withEcho are the provider factories plus the echo provider, which puts an
// ephemeral value in state so that a test can look at it.
func withEcho() map[string]func() (tfprotov6.ProviderServer, error) {
	f := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
	for k, v := range acctest.ProviderFactories {
		f[k] = v
	}
	return f
}

// isToken reports whether s is an Incus trust token (base64 JSON holding a secret).
func isToken(s string) bool {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	var tok map[string]any
	return json.Unmarshal(raw, &tok) == nil && tok["secret"] != nil
}

// findToken walks a JSON value for a trust token; "" when none.
func findToken(v any) string {
	switch v := v.(type) {
	case string:
		if isToken(v) {
			return v
		}
	case map[string]any:
		for _, e := range v {
			if t := findToken(e); t != "" {
				return t
			}
		}
	case []any:
		for _, e := range v {
			if t := findToken(e); t != "" {
				return t
			}
		}
	}
	return ""
}

// noTokenInPlan fails when the plan holds a trust token anywhere.
type noTokenInPlan struct{}

func (noTokenInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	raw, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	if t := findToken(v); t != "" {
		resp.Error = fmt.Errorf("the plan holds a trust token")
	}
}

// noTokenInState fails when any attribute in state is a trust token.
func noTokenInState(s *terraform.State) error {
	for addr, r := range s.RootModule().Resources {
		for k, v := range r.Primary.Attributes {
			if isToken(v) {
				return fmt.Errorf("%s.%s in state is a trust token", addr, k)
			}
		}
	}
	return nil
}

// tokensRevoked checks that no trust token is left open on the mock.
func tokensRevoked(m *mockhost.Incus) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := m.TrustTokens(); n != 0 {
			return fmt.Errorf("%d trust tokens are still open after the run", n)
		}
		return nil
	}
}

// An unused token is revoked when the run ends; while open, its value is
// what incusd issued for the client.
func TestAccIncusTrustToken_unusedIsRevoked(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	if _, _, err := h.Mock.ServeTLS("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	name := acctest.RandomName("laptop")
	config := h.ProviderConfig() + fmt.Sprintf(`
ephemeral "rack_incus_trust_token" "t" {
  client_name = %q # on the default remote
  projects    = ["default"]
  restricted  = true
}

provider "echo" {
  data = ephemeral.rack_incus_trust_token.t
}

resource "echo" "t" {}
`, name)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: withEcho(),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("client_name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("remote"), knownvalue.StringExact("test")),
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("operation_id"), knownvalue.StringRegexp(regexp.MustCompile(uuidRE))),
			},
			Check: resource.ComposeTestCheckFunc(
				tokensRevoked(h.Mock),
				func(s *terraform.State) error {
					tok := s.RootModule().Resources["echo.t"].Primary.Attributes["data.token"]
					raw, err := base64.StdEncoding.DecodeString(tok)
					if err != nil || !strings.Contains(string(raw), `"client_name":"`+name+`"`) {
						return fmt.Errorf("token %q is not incusd's for %s: %s", tok, name, raw)
					}
					return nil
				},
			),
		}, { // with core.remote_token_expiry, the token says when it expires
			PreConfig: func() { h.Mock.SetTrustTokenExpiry(time.Hour) },
			// Another echo resource: echo keeps what it stored at create.
			Config: strings.Replace(config, `resource "echo" "t"`, `resource "echo" "t2"`, 1),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.t2", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.NotNull()),
			},
			Check: tokensRevoked(h.Mock),
		}},
	})
}

// expires_in: incusd has no expiry per token, so the provider revokes the
// token itself when the time is up, while the run still goes on (here, an
// instance waits 3s after the token opened); expires_at says when.
func TestAccIncusTrustToken_expiresIn(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	if _, _, err := h.Mock.ServeTLS("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	name := acctest.RandomName("tok")
	config := acctest.InstanceConfig(h, fmt.Sprintf(`
  name       = %q
  image      = %q
  wait_for   = [{ type = "delay", delay = "3s" }]
  depends_on = [echo.t]
`, name, acctest.DefaultImage)) + `
ephemeral "rack_incus_trust_token" "t" {
  client_name = "ci-runner"
  expires_in  = "1s"
}

provider "echo" {
  data = ephemeral.rack_incus_trust_token.t
}

resource "echo" "t" {}
`
	opened := time.Now()
	acctest.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: withEcho(),
		CheckDestroy:             acctest.CheckInstancesGone(h, name),
		Steps: []resource.TestStep{{
			PreConfig: func() { opened = time.Now() },
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("expires_in"), knownvalue.StringExact("1s")),
				statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.NotNull()),
			},
			Check: resource.ComposeTestCheckFunc(tokensRevoked(h.Mock), func(s *terraform.State) error {
				at, err := time.Parse(time.RFC3339, s.RootModule().Resources["echo.t"].Primary.Attributes["data.expires_at"])
				if err != nil {
					return err
				}
				if at.Before(opened.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
					return fmt.Errorf("expires_at %s is not about 1s after the token opened (%s)", at, opened)
				}
				// The apply's token (the last one opened) was revoked at 1s,
				// before the 3s wait ended the run.
				lifetimes := h.Mock.RevokedTrustTokenLifetimes()
				if len(lifetimes) == 0 {
					return fmt.Errorf("no token was revoked")
				}
				if last := lifetimes[len(lifetimes)-1]; last > 2500*time.Millisecond {
					return fmt.Errorf("the token was revoked %s after it opened, not at expires_in (1s)", last)
				}
				return nil
			}),
		}},
	})
}

// A new client trusts the server in one apply: an aliased provider presents
// the token on first contact. The token is in neither plan nor state.
func TestAccIncusTrustToken_newClientInOneApply(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	url, serverPEM, err := h.Mock.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := mockhost.SelfSignedCertificate("new-client")
	if err != nil {
		t.Fatal(err)
	}
	fp := validFingerprint(t, certPEM)
	name := acctest.RandomName("laptop")
	config := h.ProviderConfig() + fmt.Sprintf(`
ephemeral "rack_incus_trust_token" "t" {
  remote      = "test"
  client_name = %q
}

provider "rack" {
  alias            = "laptop"
  incus_config_dir = %q
  incus_remote {
    name               = "lab"
    address            = %q
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
`, name, t.TempDir(), url, certPEM, keyPEM, serverPEM, fp)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{noTokenInPlan{}},
				PostApplyPostRefresh: []plancheck.PlanCheck{noTokenInPlan{}},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.rack_incus_certificate.me", tfjsonpath.New("name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue("data.rack_incus_certificate.me", tfjsonpath.New("remote"), knownvalue.StringExact("lab")),
			},
			Check: resource.ComposeTestCheckFunc(noTokenInState, tokensRevoked(h.Mock)),
		}},
	})
}

// incusd issues no token while it does not listen on the network: its own
// text, with advice. The real daemon here has no core.https_address (the
// test skips itself where one is set; tests never change the shared
// server's configuration).
func TestAccIncusTrustToken_noNetworkListener(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			srv, _, err := h.Client.GetServer()
			if err != nil {
				t.Fatal(err)
			}
			if srv.Config["core.https_address"] != "" {
				t.Skip("the real daemon listens on the network (core.https_address): it would issue a token")
			}
		}
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			ProtoV6ProviderFactories: withEcho(),
			Steps: []resource.TestStep{{
				Config: h.ProviderConfig() + `
ephemeral "rack_incus_trust_token" "t" {
  remote      = "test"
  client_name = "laptop"
}

provider "echo" {
  data = ephemeral.rack_incus_trust_token.t
}

resource "echo" "t" {}
`,
				ExpectError: acctest.DiagRE(`Unable to Open Incus Trust Token.*core\.https_address.*Can't issue token when server isn't listening on network`),
			}},
		})
	})
}

const uuidRE = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
