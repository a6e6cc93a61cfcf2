package pikvm_test

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/pquerna/otp/totp"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const allPiKVMData = `
data "rack_pikvm_device" "d" {}
data "rack_pikvm_power" "p" {}
data "rack_pikvm_msd" "m" {}
data "rack_pikvm_gpio" "g" {}
`

// Every data source against a fake with two-factor authentication on.
func TestAccPiKVMDataSources(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "rack", AccountName: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	opts := mockhost.KVMDOptions{TOTPSecret: key.Secret(), InitialPowerOn: true, GPIOSwitches: []string{"relay1"}, GPIOPulses: []string{"button2"}}
	k := acctest.StartKVMD(t, opts)
	src := filepath.Join(t.TempDir(), "a.img")
	writeFile(t, src, "0123456789")
	if _, err := pikvmClientTOTP(t, k, key.Secret()).UploadFile(t.Context(), "a.img", src, true); err != nil {
		t.Fatal(err)
	}
	v := func(addr, attr string, c knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), c)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: k.ProviderConfig(`totp_secret = "`+key.Secret()+`"`) + allPiKVMData,
			ConfigStateChecks: []statecheck.StateCheck{
				v("data.rack_pikvm_device.d", "kvmd_version", knownvalue.StringExact("4.197-mock")),
				v("data.rack_pikvm_device.d", "platform_model", knownvalue.StringExact("v4plus")),
				v("data.rack_pikvm_device.d", "auth_enabled", knownvalue.Bool(true)),
				v("data.rack_pikvm_device.d", "pikvm", knownvalue.StringExact("kvm1")),
				v("data.rack_pikvm_power.p", "state", knownvalue.StringExact("on")),
				v("data.rack_pikvm_power.p", "atx_enabled", knownvalue.Bool(true)),
				v("data.rack_pikvm_msd.m", "images", knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("a.img"), "size": knownvalue.Int64Exact(10),
					"complete": knownvalue.Bool(true), "writable": knownvalue.Bool(true)})})),
				v("data.rack_pikvm_msd.m", "storage_free", knownvalue.Int64Exact(8<<30-10)),
				v("data.rack_pikvm_gpio.g", "outputs", knownvalue.ListSizeExact(2)),
			},
		}},
	})
}

// PIKVM_* variables describe a device named "default" with no HCL at all.
func TestAccPiKVMFromEnvironment(t *testing.T) {
	acctest.PreCheck(t)
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{Users: map[string]string{"ops": "s3cret"}})
	t.Setenv("PIKVM_URL", k.Fake.URL())
	t.Setenv("PIKVM_USERNAME", "ops")
	t.Setenv("PIKVM_PASSWORD", "s3cret")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `provider "rack" {
  incus_config_dir = "` + t.TempDir() + `"
}
data "rack_pikvm_power" "p" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.rack_pikvm_power.p", tfjsonpath.New("pikvm"), knownvalue.StringExact("default")),
			},
		}},
	})
}

// A real PiKVM, read only, when RACK_ACC_PIKVM_URL names one.
func TestAccPiKVMRealDevice(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cfg := acctest.RealPiKVMConfig()
	if cfg == "" {
		t.Skip("no real PiKVM: set RACK_ACC_PIKVM_URL, RACK_ACC_PIKVM_USERNAME, RACK_ACC_PIKVM_PASSWORD")
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg + allPiKVMData,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.rack_pikvm_device.d", tfjsonpath.New("kvmd_version"), knownvalue.NotNull()),
			},
		}},
	})
}
