package pikvm_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const gpioAddr = "rack_pikvm_gpio_output.test"

func gpioKVMD(t *testing.T) *acctest.KVMDHost {
	return acctest.StartKVMD(t, mockhost.KVMDOptions{GPIOSwitches: []string{"relay1"}, GPIOPulses: []string{"button2"}})
}

func gpioConfig(k *acctest.KVMDHost, body string) string {
	return k.ProviderConfig("") + "resource \"rack_pikvm_gpio_output\" \"test\" {\n" + body + "\n}\n"
}

func TestAccPiKVMGPIOOutput_switch(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := gpioKVMD(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: gpioConfig(k, `  channel = "relay1"
  state   = true`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(gpioAddr, tfjsonpath.New("state"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(gpioAddr, tfjsonpath.New("id"), knownvalue.StringExact("kvm1:relay1")),
				},
			},
			{ // switched off by hand: drift, switched back
				PreConfig: func() { k.Fake.SetGPIO("relay1", false) },
				Config: gpioConfig(k, `  channel = "relay1"
  state   = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gpioAddr, plancheck.ResourceActionUpdate),
				}},
			},
			{
				ResourceName:    gpioAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "kvm1:relay1",
				Config: gpioConfig(k, `  channel = "relay1"
  state   = true`),
			},
		},
	})
}

func TestAccPiKVMGPIOOutput_pulse(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := gpioKVMD(t)
	pulsed := func(n int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := k.Fake.Pulses("button2"); got != n {
				return fmt.Errorf("button2 was pulsed %d times, want %d", got, n)
			}
			return nil
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: gpioConfig(k, `  channel        = "button2"
  pulse_triggers = { boot = "1" }
  pulse_delay    = "200ms"`), Check: pulsed(1)},
			{ // same triggers: nothing to do
				Config: gpioConfig(k, `  channel        = "button2"
  pulse_triggers = { boot = "1" }
  pulse_delay    = "200ms"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            pulsed(1),
			},
			{ // new trigger value: pulse again
				Config: gpioConfig(k, `  channel        = "button2"
  pulse_triggers = { boot = "2" }
  pulse_delay    = "200ms"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gpioAddr, plancheck.ResourceActionUpdate),
				}},
				Check: pulsed(2),
			},
		},
	})
}

func TestAccPiKVMGPIOOutput_planTimeChecks(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := gpioKVMD(t)
	cases := map[string]struct{ body, want string }{
		"unknown":     {`  channel = "relay9"` + "\n  state = true", `Unknown GPIO Channel.*no output channel "relay9".*Its output channels: button2, relay1`},
		"internal":    {`  channel = "__internal"` + "\n  state = true", `Unknown GPIO Channel`},
		"switchPulse": {`  channel = "button2"` + "\n  state = true", `Channel Cannot Switch.*pulse-only`},
		"pulseSwitch": {`  channel = "relay1"` + "\n  pulse_triggers = { a = \"1\" }", `Channel Cannot Pulse.*switch-only`},
		"both":        {`  channel = "relay1"` + "\n  state = true\n  pulse_triggers = { a = \"1\" }", `Invalid Attribute Combination`},
		"neither":     {`  channel = "relay1"`, `Exactly one of these attributes must be configured: \[state,pulse_triggers\]`},
		"delaySwitch": {`  channel = "relay1"` + "\n  state = true\n  pulse_delay = \"1s\"", `Invalid Attribute Combination`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps:                    []resource.TestStep{{Config: gpioConfig(k, tc.body), PlanOnly: true, ExpectError: acctest.DiagRE(tc.want)}},
			})
		})
	}
}
