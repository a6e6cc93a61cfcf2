package network_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const recordAddr = "rack_incus_network_zone_record.test"

// recordConfig declares a zone (rack_incus_network_zone.z) and the record.
func recordConfig(h *acctest.IncusHost, zone, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_zone" "z" {
  remote = "test"
  name   = %q
}

resource "rack_incus_network_zone_record" "test" {
  remote = "test"
  zone   = rack_incus_network_zone.z.name
%s
}
`, zone, body)
}

func checkRecord(h *acctest.IncusHost, zone, name string, check func(r *api.NetworkZoneRecord) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r, _, err := h.Client.GetNetworkZoneRecord(zone, name)
		if err != nil {
			return err
		}
		if !check(r) {
			return fmt.Errorf("record %s of zone %s on the host: %+v", name, zone, r)
		}
		return nil
	}
}

func recordGone(h *acctest.IncusHost, zone, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, _, err := h.Client.GetNetworkZoneRecord(zone, name); err == nil {
			return fmt.Errorf("record %s of zone %s still exists", name, zone)
		}
		return nil
	}
}

func entries(r *api.NetworkZoneRecord) string { return fmt.Sprint(r.Entries) }

func TestAccIncusNetworkZoneRecord_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		zone, zone2 := zoneName(), zoneName()
		t.Cleanup(func() { forgetZones(h, zone, zone2) })
		v1 := recordConfig(h, zone, `
  name        = "www"
  description = "first"
  entries = [
    { type = "A", value = "198.18.0.10" },
    { type = "TXT", value = "\"hello world\"", ttl = 60 },
  ]
`)
		v2 := recordConfig(h, zone, `
  name        = "www"
  description = "second"
  config      = { "user.owner" = "terraform" }
  entries = [
    { type = "AAAA", value = "2001:db8::10", ttl = 3600 },
    { type = "A", value = "198.18.0.11" },
  ]
`)
		v3 := recordConfig(h, zone, `
  name        = "web"
  description = "second"
  entries     = [{ type = "CNAME", value = "www" }]
`)
		v4 := recordConfig(h, zone2, `
  name        = "web"
  description = "second"
  entries     = [{ type = "CNAME", value = "www" }]
`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, zone, zone2),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(recordAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+zone+"/www")),
						// no TTL given: none read back (incusd serves its default, 300)
						statecheck.ExpectKnownValue(recordAddr, tfjsonpath.New("entries").AtSliceIndex(0).AtMapKey("ttl"), knownvalue.Null()),
						statecheck.ExpectKnownValue(recordAddr, tfjsonpath.New("entries").AtSliceIndex(1).AtMapKey("ttl"), knownvalue.Int64Exact(60)),
					},
					Check: checkRecord(h, zone, "www", func(r *api.NetworkZoneRecord) bool {
						return r.Description == "first" && entries(r) == `[{A 0 198.18.0.10} {TXT 60 "hello world"}]`
					}),
				},
				{Config: v1, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // update in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkRecord(h, zone, "www", func(r *api.NetworkZoneRecord) bool {
						return r.Description == "second" && r.Config["user.owner"] == "terraform" && entries(r) == `[{AAAA 3600 2001:db8::10} {A 0 198.18.0.11}]`
					}),
				},
				{
					ResourceName:            recordAddr,
					ImportState:             true,
					ImportStateId:           "test:default/" + zone + "/www",
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    recordAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   zone + "/www",
					Config:          v2,
				},
				{ // Incus cannot rename a record: a new name replaces it
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeTestCheckFunc(recordGone(h, zone, "www"),
						checkRecord(h, zone, "web", func(r *api.NetworkZoneRecord) bool { return entries(r) == `[{CNAME 0 www}]` })),
				},
				{ // another zone: replaced
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(recordAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+zone2+"/web")),
					},
					Check: checkRecord(h, zone2, "web", func(*api.NetworkZoneRecord) bool { return true }),
				},
			},
		})
	})
}

func TestAccIncusNetworkZoneRecord_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		zone := zoneName()
		t.Cleanup(func() { forgetZones(h, zone) })
		cfg := recordConfig(h, zone, `
  name    = "www"
  entries = [{ type = "A", value = "198.18.0.10" }]
`)
		setEntries := func(list ...api.NetworkZoneRecordEntry) {
			r, etag, err := h.Client.GetNetworkZoneRecord(zone, "www")
			if err != nil {
				t.Fatal(err)
			}
			put := r.Writable()
			put.Entries = list
			if err := h.Client.UpdateNetworkZoneRecord(zone, "www", put, etag); err != nil {
				t.Fatalf("changing the entries of record www out of band: %v", err)
			}
		}
		back := checkRecord(h, zone, "www", func(r *api.NetworkZoneRecord) bool { return entries(r) == `[{A 0 198.18.0.10}]` })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, zone),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // an entry changed and one added out of band: drift, put back
					PreConfig: func() {
						setEntries(api.NetworkZoneRecordEntry{Type: "A", Value: "198.18.0.99", TTL: 30}, api.NetworkZoneRecordEntry{Type: "TXT", Value: "sneaky"})
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionUpdate),
					}},
					Check: back,
				},
				{ // a TTL set out of band where none was given is drift too
					PreConfig: func() { setEntries(api.NetworkZoneRecordEntry{Type: "A", Value: "198.18.0.10", TTL: 300}) },
					Config:    cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionUpdate),
					}},
					Check: back,
				},
				{ // deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkZoneRecord(zone, "www"); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionCreate),
					}},
					Check: back,
				},
				{ // its zone deleted out of band: both created again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkZone(zone); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("rack_incus_network_zone.z", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(recordAddr, plancheck.ResourceActionCreate),
					}},
					Check: back,
				},
			},
		})
	})
}

func TestAccIncusNetworkZoneRecord_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		zone, missing := zoneName(), zoneName()
		t.Cleanup(func() { forgetZones(h, zone) })
		with := func(body string) string { return recordConfig(h, zone, body) }
		ok := with(`
  name    = "www"
  entries = [{ type = "A", value = "198.18.0.10" }]
`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, zone),
			Steps: []resource.TestStep{
				{ // checked at plan time
					Config:      with(`  name = "a/b"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Network Zone Record Name.*must not contain a slash`),
				},
				{
					Config:      with(`  name = "www"` + "\n" + `  entries = [{ type = "A", value = "198.18.0.10", ttl = 0 }]`),
					ExpectError: acctest.DiagRE(`Attribute entries\[0\].ttl value must be between 1 and 2147483647`),
				},
				{ // the server's words, verbatim
					Config:      with(`  name = "www"` + "\n" + `  entries = [{ type = "BOGUS", value = "1" }]`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network Zone Record.*Bad zone record entry: dns: unknown RR type: "BOGUS" at line: 1:20`),
				},
				{
					Config:      with(`  name = "www"` + "\n" + `  entries = [{ type = "A", value = "2001:db8::1", ttl = 60 }]`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network Zone Record.*Bad zone record entry: dns: bad A A: "2001:db8::1" at line: 1:26`),
				},
				{
					Config:      with(`  name = "www"` + "\n" + `  config = { "dns.other" = "1" }`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network Zone Record.*Invalid config option "dns.other"`),
				},
				{ // an update the server refuses leaves the record as it was
					Config: ok,
				},
				{
					Config: with(`
  name    = "www"
  entries = [{ type = "A", value = "198.18.0.10" }, { type = "A", value = "198.18.0.10", ttl = 60 }]
`),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network Zone Record.*Duplicate record for type "A" and value "198.18.0.10"`),
				},
				{
					Config:           ok,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{ // a taken name names the import ID of the record that has it
					PreConfig: func() {
						if err := h.Client.CreateNetworkZoneRecord(zone, api.NetworkZoneRecordsPost{Name: "taken"}); err != nil {
							t.Fatal(err)
						}
					},
					Config: ok + `
resource "rack_incus_network_zone_record" "taken" {
  remote = "test"
  zone   = rack_incus_network_zone.z.name
  name   = "taken"
}
`,
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Zone Record.*import.*"test:default/%s/taken"`, zone)),
				},
				{ // a zone that does not exist is named as what is missing
					Config: ok + fmt.Sprintf(`
resource "rack_incus_network_zone_record" "orphan" {
  remote = "test"
  zone   = %q
  name   = "www"
}
`, missing),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Zone Record.*Network zone %q \(project "default", remote "test"\).*Create the zone first or correct the zone attribute`, missing)),
				},
			},
		})
	})
}

// An update sends the ETag of the refresh: a change made outside Terraform
// between the refresh and the write is a Conflict, never overwritten.
func TestAccIncusNetworkZoneRecord_etagConflict(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the change must land between refresh and write: only the mock host can time it")
		}
		zone := zoneName()
		cfg := func(desc string) string {
			return recordConfig(h, zone, fmt.Sprintf("  name = \"www\"\n  description = %q", desc))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, zone),
			Steps: []resource.TestStep{
				{Config: cfg("one")},
				{
					PreConfig: func() {
						h.Mock.InjectFault(mockhost.Fault{Method: http.MethodPut, PathPrefix: "/1.0/network-zones/" + zone + "/records/www", Times: 1,
							Hook: func() {
								r, etag, _ := h.Client.GetNetworkZoneRecord(zone, "www")
								put := r.Writable()
								put.Config = map[string]string{"user.sneaky": "yes"}
								if err := h.Client.UpdateNetworkZoneRecord(zone, "www", put, etag); err != nil {
									t.Error(err)
								}
							}})
					},
					Config:      cfg("two"),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network Zone Record.*changed outside Terraform since it was read; run apply again`),
				},
				{
					Config: cfg("two"),
					Check: checkRecord(h, zone, "www", func(r *api.NetworkZoneRecord) bool {
						return r.Description == "two" && r.Config["user.sneaky"] == ""
					}),
				},
			},
		})
	})
}
