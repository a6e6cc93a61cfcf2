package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// HTTPS remotes: client certificates, a pinned server certificate, and
// first contact with a trust token. The mock serves HTTPS on loopback only.
func TestAccProvider_httpsRemote(t *testing.T) {
	acctest.PreCheck(t)

	instance := func(name string) string {
		return fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote = "tls"
  name   = %q
  image  = %q
}
`, name, acctest.DefaultImage)
	}

	t.Run("trusted", func(t *testing.T) {
		h := acctest.StartMockHost(t)
		name := acctest.RandomName("tls")
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: h.HTTPSRemote(t, true, "") + instance(name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("id"), knownvalue.StringExact("tls:default/"+name)),
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				},
			}},
		})
	})

	t.Run("untrusted", func(t *testing.T) {
		h := acctest.StartMockHost(t)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      h.HTTPSRemote(t, false, "") + instance("nope"),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Instance.*did not accept the provider's credentials.*trust_token.*not authorized`),
			}},
		})
	})

	t.Run("trustToken", func(t *testing.T) {
		h := acctest.StartMockHost(t)
		name := acctest.RandomName("token")
		token := h.Mock.AddTrustToken()
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: h.HTTPSRemote(t, false, fmt.Sprintf("trust_token = %q", token)) + instance(name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
				},
			}},
		})
	})

	t.Run("usedToken", func(t *testing.T) {
		h := acctest.StartMockHost(t)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      h.HTTPSRemote(t, false, `trust_token = "not-a-valid-token"`) + instance("nope"),
				ExpectError: acctest.DiagRE(`did not accept the provider's credentials.*trust token was refused`),
			}},
		})
	})

	t.Run("wrongServerCertificate", func(t *testing.T) {
		h := acctest.StartMockHost(t)
		other := acctest.StartMockHost(t)
		cfg := h.HTTPSRemote(t, true, "")
		// Serve a second mock and pin the first one's certificate for it.
		otherCfg := other.HTTPSRemote(t, true, "")
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      swapServerCertificate(t, otherCfg, cfg) + instance("nope"),
				ExpectError: acctest.DiagRE(`Could not talk to https://127.0.0.1:\d+.*certificate`),
			}},
		})
	})
}

// swapServerCertificate returns cfg with the server_certificate of donor.
func swapServerCertificate(t *testing.T, cfg, donor string) string {
	t.Helper()
	re := acctest.DiagRE(`server_certificate = "[^"]*"`)
	pin := re.FindString(donor)
	if pin == "" {
		t.Fatal("no server_certificate in donor config")
	}
	return re.ReplaceAllLiteralString(cfg, pin)
}
