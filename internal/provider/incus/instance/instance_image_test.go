package instance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// An instance is replaced only when its image really changes, not when the
// configuration names the same image differently.

func instanceImageConfig(h *acctest.IncusHost, name, image, extra string) string {
	return acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
%s`, name, image, extra))
}

// sameInstance fails when the instance on the host is not the one first seen
// (volatile.uuid changes when an instance is made again).
func sameInstance(h *acctest.IncusHost, name string, uuid *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		inst, _, err := h.Client.GetInstance(name)
		if err != nil {
			return err
		}
		got := inst.Config["volatile.uuid"]
		if got == "" {
			return fmt.Errorf("instance %s has no volatile.uuid", name)
		}
		if *uuid == "" {
			*uuid = got
		} else if got != *uuid {
			return fmt.Errorf("instance %s was replaced (volatile.uuid %s, was %s)", name, got, *uuid)
		}
		return nil
	}
}

func TestAccIncusInstanceImage_sameImageOtherName(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("img")
		second := acctest.RandomName("alias")
		h.AddImageAlias(t, second)
		fp := h.ImageFingerprint(t)
		other := acctest.RandomName("other")
		otherFP := h.AddOtherImage(t, other)
		t.Cleanup(func() { h.ForgetInstance(name) })
		var uuid string
		unchanged := func(image string) resource.TestStep {
			return resource.TestStep{
				Config:            instanceImageConfig(h, name, image, ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(h.Image))},
				Check:             sameInstance(h, name, &uuid),
			}
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: instanceImageConfig(h, name, h.Image, ""),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(fp)),
					},
					Check: sameInstance(h, name, &uuid),
				},
				unchanged(second),            // a second alias of the same image
				unchanged(fp[:12]),           // a fingerprint prefix
				unchanged(fp),                // the whole fingerprint
				unchanged("test:" + second),  // the own remote named
				unchanged("test:" + fp[:16]), // and a longer prefix on it
				{ // a really different image replaces the instance
					Config: instanceImageConfig(h, name, other, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(other)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(otherFP)),
					},
				},
			},
		})
	})
}

// The case of the issue: an instance made from one alias, imported with a
// configuration that names another alias of the same image.
func TestAccIncusInstanceImage_importUnderOtherAlias(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("imp")
		h.CreateInstance(t, name) // stopped, from h.Image
		second := acctest.RandomName("alias")
		h.AddImageAlias(t, second)
		fp := h.ImageFingerprint(t)
		cfg := instanceImageConfig(h, name, second, "  running = false\n")
		var uuid string
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: cfg + fmt.Sprintf(`
import {
  to = rack_incus_instance.test
  id = "test:%s"
}
`, name),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						// Read names the image by its first alias, not the configured one.
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(h.Image)),
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringExact(fp)),
					},
					Check: sameInstance(h, name, &uuid),
				},
				{
					Config:           cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					Check:            sameInstance(h, name, &uuid),
				},
			},
		})
	})
}

// An alias that does not exist is refused at plan time: replacing would
// destroy the instance and then fail to create it.
func TestAccIncusInstanceImage_missingAlias(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("miss")
		missing := acctest.RandomName("no-such-alias")
		t.Cleanup(func() { h.ForgetInstance(name) })
		var uuid string
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: instanceImageConfig(h, name, h.Image, ""), Check: sameInstance(h, name, &uuid)},
				{
					Config:      instanceImageConfig(h, name, missing, ""),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Incus Image Not Found.*"%s" names no image.*Image alias "%s" \(project "default", remote "test"\) was not found.*incus image list test:`, missing, missing)),
				},
				{Config: instanceImageConfig(h, name, h.Image, ""), Check: sameInstance(h, name, &uuid)},
			},
		})
	})
}

// Aliases and fingerprints of a public image server (an Incus server over
// HTTPS, as `incus remote add images <url> --public` names it), served by a
// mock on loopback; the instance lives on the mock or the real host.
func TestAccIncusInstanceImage_publicImageServer(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("pub")
		fp := h.ImageFingerprint(t)
		images := h.PublicImageServer(t, "images")
		images.CopyImage(fp, "container", true, "debian/12")
		images.CopyImage(strings.Repeat("ab", 32), "container", true, "debian/13")
		images.CopyImage(strings.Repeat("cd", 32), "virtual-machine", true, "vm/12")
		images.CopyImage(strings.Repeat("ef", 32), "container", false, "private/12")
		t.Cleanup(func() { h.ForgetInstance(name) })
		var uuid string
		replaced := func(image string) resource.TestStep {
			return resource.TestStep{
				Config:             instanceImageConfig(h, name, image, ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			}
		}
		notFound := func(image string) resource.TestStep {
			return resource.TestStep{
				Config:      instanceImageConfig(h, name, image, ""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Incus Image Not Found`),
			}
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{Config: instanceImageConfig(h, name, h.Image, ""), Check: sameInstance(h, name, &uuid)},
				{ // the image server's alias for the image the instance was made from
					Config:           instanceImageConfig(h, name, "images:debian/12", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(h.Image)),
					},
					Check: sameInstance(h, name, &uuid),
				},
				{ // a fingerprint prefix on the image server
					Config:           instanceImageConfig(h, name, "images:"+fp[:12], ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					Check:            sameInstance(h, name, &uuid),
				},
				replaced("images:debian/13"),     // another image
				notFound("images:vm/12"),         // an alias of virtual-machine images only
				notFound("images:private/12"),    // not public: untrusted clients do not see it
				notFound("images:no/such/alias"), // missing
				{ // the image server is down: no guess, an error
					PreConfig:   func() { _ = images.Close() },
					Config:      instanceImageConfig(h, name, "images:debian/12", ""),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Unable to Look Up Incus Image.*set image back to "` + h.Image + `".*Could not talk to https://127.0.0.1:\d+`),
				},
			},
		})
	})
}
