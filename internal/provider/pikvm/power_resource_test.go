package pikvm_test

import (
	"fmt"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const powerAddr = "rack_pikvm_power.test"

// fastHost is a simulated host that boots in 300 ms and shuts down in 200 ms.
func fastHost() mockhost.KVMDOptions {
	return mockhost.KVMDOptions{ClickTime: 20 * time.Millisecond, LongClickTime: 100 * time.Millisecond,
		BusyAfter: 50 * time.Millisecond, BootDelay: 300 * time.Millisecond, ShutdownDelay: 200 * time.Millisecond}
}

func powerConfig(k *acctest.KVMDHost, body string) string {
	return k.ProviderConfig("") + `
resource "rack_pikvm_power" "test" {
` + body + `
}
`
}

func ledIs(k *acctest.KVMDHost, on bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if k.Fake.PowerLED() != on {
			return fmt.Errorf("the simulated host's power LED is %v, want %v", k.Fake.PowerLED(), on)
		}
		return nil
	}
}

func TestAccPiKVMPower_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, fastHost())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{ // power on: press, then wait for the LED
				Config: powerConfig(k, `  state = "on"`),
				Check:  ledIs(k, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(powerAddr, tfjsonpath.New("power_led"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(powerAddr, tfjsonpath.New("pikvm"), knownvalue.StringExact("kvm1")),
					statecheck.ExpectKnownValue(powerAddr, tfjsonpath.New("off_method"), knownvalue.StringExact("soft_then_hard")),
				},
			},
			{ // unchanged: no plan
				Config:           powerConfig(k, `  state = "on"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // soft off
				Config: powerConfig(k, `  state = "off"`+"\n  off_method = \"soft\""),
				Check:  ledIs(k, false),
			},
			{ // turned on by hand: drift, and put back
				PreConfig: func() { k.Fake.SetPowerLED(true) },
				Config:    powerConfig(k, `  state = "off"`+"\n  off_method = \"hard\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(powerAddr, plancheck.ResourceActionUpdate),
				}},
				Check: ledIs(k, false),
			},
			{
				ResourceName:    powerAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "kvm1",
				// off_method, soft_off_timeout and on_destroy live only in
				// Terraform: an import takes their defaults.
				Config: powerConfig(k, `  state = "off"`),
			},
			{ // on_destroy = "off" turns it off at destroy
				Config: powerConfig(k, `  state = "on"`+"\n  on_destroy = \"off\""),
				Check:  ledIs(k, true),
			},
		},
		CheckDestroy: ledIs(k, false),
	})
}

// A host whose OS ignores the power button: soft_then_hard forces it off
// after soft_off_timeout; plain soft times out with a clear error.
func TestAccPiKVMPower_ignoredSoftOff(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	opts := fastHost()
	opts.IgnoreSoftOff, opts.InitialPowerOn = true, true
	k := acctest.StartKVMD(t, opts)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      powerConfig(k, `  state = "off"`+"\n  off_method = \"soft\"\n  timeouts = { create = \"2s\" }"),
				ExpectError: acctest.DiagRE(`Unable to Set Machine Power.*Timed out after 2s waiting for the power LED of PiKVM "kvm1" to turn off.*Last observed state: power LED on`),
			},
			{
				Config: powerConfig(k, `  state = "off"`+"\n  soft_off_timeout = \"1s\""),
				Check:  ledIs(k, false),
			},
		},
	})
}

func TestAccPiKVMPower_errors(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	t.Run("atxDisabled", func(t *testing.T) {
		opts := fastHost()
		opts.ATXDisabled = true
		k := acctest.StartKVMD(t, opts)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  state = "on"`),
				ExpectError: acctest.DiagRE(`Unable to Set Machine Power.*AtxDisabledError.*ATX is disabled on this PiKVM`),
			}},
		})
	})
	t.Run("badPassword", func(t *testing.T) {
		k := acctest.StartKVMD(t, fastHost())
		k.Password = "wrong"
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  state = "on"`),
				ExpectError: acctest.DiagRE(`did not accept the provider's credentials for ATX of PiKVM "kvm1".*Check the PiKVM's username and password.*ForbiddenError`),
			}},
		})
	})
	t.Run("unreachable", func(t *testing.T) {
		// A loopback port nobody listens on: the advice is the PiKVM's, not incusd's.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + l.Addr().String()
		_ = l.Close()
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.PiKVMProviderConfig(url, "admin", "") + "resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n",
				ExpectError: acctest.DiagRE(`Could not talk to ` + regexp.QuoteMeta(url) + `\.\s+Check that the PiKVM "kvm1" is on and that its web interface answers at ` +
					regexp.QuoteMeta(url) + `.*Cause: cannot reach .*connection refused`),
			}},
		})
	})
	t.Run("wrongTOTP", func(t *testing.T) {
		opts := fastHost()
		opts.TOTPSecret = "JBSWY3DPEHPK3PXP"
		k := acctest.StartKVMD(t, opts)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  state = "on"`) + "",
				ExpectError: acctest.DiagRE(`did not accept the provider's credentials for ATX of PiKVM "kvm1".*totp_secret and this machine's clock`),
			}, {
				Config:      k.ProviderConfig(`totp_secret = "JBSWY3DPEHPK3PXQ"`) + "resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n",
				ExpectError: acctest.DiagRE(`did not accept the provider's credentials for ATX of PiKVM "kvm1"`),
			}, {
				Config: k.ProviderConfig(`totp_secret = "JBSWY3DPEHPK3PXP"`) + "resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n",
				Check:  ledIs(k, true),
			}},
		})
	})
	t.Run("tls", func(t *testing.T) {
		k := acctest.StartKVMDTLS(t, fastHost())
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  state = "on"`),
				ExpectError: acctest.DiagRE(`Could not talk to https://127.0.0.1:\d+.*certificate`),
			}, {
				Config: k.ProviderConfig(fmt.Sprintf("ca_certificate = %q", k.Fake.CertificatePEM())) +
					"resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n",
				Check: ledIs(k, true),
			}},
		})
	})
	t.Run("busyPastTimeout", func(t *testing.T) {
		k := acctest.StartKVMD(t, fastHost())
		k.Fake.InjectFault(mockhost.Fault{PathPrefix: "/api/atx", Status: 409, Message: "AtxIsBusyError"})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  state = "on"`+"\n  timeouts = { create = \"1s\" }"),
				ExpectError: acctest.DiagRE(`ATX of PiKVM "kvm1" is busy with another action.*busy after \d`),
			}},
		})
	})
	t.Run("unknownDevice", func(t *testing.T) {
		k := acctest.StartKVMD(t, fastHost())
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      powerConfig(k, `  pikvm = "kvm9"`+"\n  state = \"on\""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Unknown PiKVM.*no PiKVM named "kvm9" is configured, so no request was sent\. The provider's PiKVMs: "kvm1"\. Set pikvm to one of them`),
			}},
		})
	})
	t.Run("badSettings", func(t *testing.T) {
		k := acctest.StartKVMD(t, fastHost())
		resourceBlock := "resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n"
		cases := map[string]struct{ url, extra, want string }{
			"url":  {"ftp://x", "", `Invalid PiKVM "kvm1".*url = "ftp://x".*is not a PiKVM address`},
			"totp": {k.Fake.URL(), `totp_secret = "not b32!"`, `Invalid PiKVM.*not a base32 TOTP secret`},
			"ca":   {k.Fake.URL(), `ca_certificate = "junk"`, `Invalid PiKVM.*ca_certificate = "junk".*not a PEM encoded certificate`},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: acctest.ProviderFactories,
					Steps: []resource.TestStep{{Config: acctest.PiKVMProviderConfig(tc.url, "admin", tc.extra) + resourceBlock,
						PlanOnly: true, ExpectError: acctest.DiagRE(tc.want)}},
				})
			})
		}
	})
}
