package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// zoneOf is the zone a record case's object lives in: made out of band
// (Prepare, TakeName) and kept for the whole run.
func zoneOf(name string) string { return name + ".example.net" }

func makeZone(t *testing.T, env *Env, zone string) {
	t.Helper()
	if err := env.Incus.Client.CreateNetworkZone(api.NetworkZonesPost{Name: zone}); err != nil {
		t.Fatalf("creating network zone %s out of band: %v", zone, err)
	}
	t.Cleanup(func() { _ = env.Incus.Client.DeleteNetworkZone(zone) })
}

func init() {
	cases["rack_incus_network_zone"] = Case{
		Incus:   true,
		Address: "rack_incus_network_zone.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_zone" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  config      = { "dns.nameservers" = "ns1.example.net" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateNetworkZone(api.NetworkZonesPost{Name: name}); err != nil {
				t.Fatalf("creating network zone %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkZone(name); err != nil {
				t.Fatalf("deleting network zone %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkZone(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-zones"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default"}
		},
	}

	cases["rack_incus_network_zone_record"] = Case{
		Incus:   true,
		Address: "rack_incus_network_zone_record.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_zone_record" "test" {
  remote      = "test"
  zone        = %q
  name        = %q
  description = "contract"
  entries     = [{ type = "A", value = "198.18.0.10" }, { type = "TXT", value = "\"contract\"", ttl = 60 }]
}
`, zoneOf(name), name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + zoneOf(name) + "/" + name },
		Prepare:  func(t *testing.T, env *Env, name string) { makeZone(t, env, zoneOf(name)) },
		TakeName: func(t *testing.T, env *Env, name string) {
			makeZone(t, env, zoneOf(name))
			if err := env.Incus.Client.CreateNetworkZoneRecord(zoneOf(name), api.NetworkZoneRecordsPost{Name: name}); err != nil {
				t.Fatalf("creating network zone record %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkZoneRecord(zoneOf(name), name); err != nil {
				t.Fatalf("deleting network zone record %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkZoneRecord(zoneOf(name), name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-zones/"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "zone": zoneOf(name), "remote": "test", "project": "default"}
		},
	}
}
