package cluster_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

func serverConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_server" "test" {
  remote = "test"
%s
}
`, body)
}

// serverKey reads a server key as member (none: the whole server) has it.
func serverKey(t *testing.T, h *acctest.IncusHost, member, key string) string {
	t.Helper()
	path := "/1.0"
	if member != "" {
		path += "?target=" + member
	}
	resp, _, err := h.Client.RawQuery("GET", path, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var s api.Server
	if err := resp.MetadataAsStruct(&s); err != nil {
		t.Fatal(err)
	}
	return s.Config[key]
}

func patchServer(t *testing.T, h *acctest.IncusHost, member string, config map[string]string) {
	t.Helper()
	path := "/1.0"
	if member != "" {
		path += "?target=" + member
	}
	if _, _, err := h.Client.RawQuery("PATCH", path, api.ServerPut{Config: config}, ""); err != nil {
		t.Fatal(err)
	}
}

func checkServerKey(t *testing.T, h *acctest.IncusHost, member, key, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := serverKey(t, h, member, key); got != want {
			return fmt.Errorf("server key %s (member %q) is %q, want %q", key, member, got, want)
		}
		return nil
	}
}

// The server tests run on clusters only, mock and real: the standalone real
// daemon's configuration is shared by every other test.
func TestAccIncusServer_lifecycle(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		userKey := "user." + acctest.RandomName("rack")
		patchServer(t, h, "", map[string]string{"user.unmanaged": "keep"})
		t.Cleanup(func() {
			patchServer(t, h, "", map[string]string{"user.unmanaged": "", userKey: "", "images.remote_cache_expiry": ""})
		})
		addr := "rack_incus_server.test"
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				// Destroy unsets what Terraform set, and only that.
				if v := serverKey(t, h, "", userKey); v != "" {
					return fmt.Errorf("%s is still %q after destroy", userKey, v)
				}
				if v := serverKey(t, h, "", "user.unmanaged"); v != "keep" {
					return fmt.Errorf("destroy changed user.unmanaged: %q", v)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: serverConfig(h, fmt.Sprintf(`config = { %q = "one", "images.remote_cache_expiry" = "11" }`, userKey)),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "id", "test:"),
						resource.TestCheckResourceAttr(addr, "config.%", "2"),
						checkServerKey(t, h, "", userKey, "one"),
						checkServerKey(t, h, "c2", "images.remote_cache_expiry", "11"),
					),
				},
				{ // update: a key dropped from config is unset
					Config: serverConfig(h, fmt.Sprintf(`config = { %q = "two" }`, userKey)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkServerKey(t, h, "", userKey, "two"),
						checkServerKey(t, h, "", "images.remote_cache_expiry", ""),
						checkServerKey(t, h, "", "user.unmanaged", "keep"),
					),
				},
				{ // drift: a managed key changed out of band; others are not drift
					PreConfig: func() { patchServer(t, h, "", map[string]string{userKey: "changed", "user.unmanaged": "other"}) },
					Config:    serverConfig(h, fmt.Sprintf(`config = { %q = "two" }`, userKey)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: checkServerKey(t, h, "", userKey, "two"),
				},
				{ // a key incusd does not know: its text, naming the key
					Config:      serverConfig(h, fmt.Sprintf(`config = { %q = "two", "bogus.key" = "1" }`, userKey)),
					ExpectError: regexp.MustCompile(`cannot set 'bogus.key' to '1': unknown key`),
				},
				{ // plan time: a cluster-wide key with a target
					Config:      serverConfig(h, `target = "c2"`+"\n"+`config = { "images.remote_cache_expiry" = "3" }`),
					ExpectError: regexp.MustCompile(`(?s)Key "images.remote_cache_expiry" is a cluster-wide key`),
				},
				{Config: serverConfig(h, fmt.Sprintf(`config = { %q = "two" }`, userKey)), PreConfig: func() { patchServer(t, h, "", map[string]string{"user.unmanaged": "keep"}) }},
			},
		})
	})
}

func TestAccIncusServer_member(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		patchServer(t, h, "c2", map[string]string{"core.syslog_socket": ""})
		t.Cleanup(func() { patchServer(t, h, "c2", map[string]string{"core.syslog_socket": ""}) })
		addr := "rack_incus_server.test"
		config := serverConfig(h, `target = "c2"`+"\n"+`config = { "core.syslog_socket" = "true" }`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				if v := serverKey(t, h, "c2", "core.syslog_socket"); v != "" {
					return fmt.Errorf("core.syslog_socket of c2 is still %q after destroy", v)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: config,
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "id", "test:c2"),
						checkServerKey(t, h, "c2", "core.syslog_socket", "true"),
						checkServerKey(t, h, "c1", "core.syslog_socket", ""),
					),
				},
				// Import manages the member's own keys: core.https_address too.
				{ResourceName: addr, ImportState: true, ImportStateId: "test:c2", ImportStateVerify: true,
					ImportStateVerifyIgnore: []string{"timeouts", "config.%", "config.core.https_address"}},
				{ // the import block's plan is empty for a config naming the present keys
					ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: "test:c2",
					Config: serverConfig(h, `target = "c2"`+"\n"+`config = { "core.syslog_socket" = "true", "core.https_address" = "127.0.0.12:8443" }`),
				},
				{
					Config:      serverConfig(h, `target = "c9"`+"\n"+`config = { "core.syslog_socket" = "true" }`),
					ExpectError: regexp.MustCompile(`(?s)Cluster member "c9".*not found`),
				},
				{Config: config},
			},
		})
	})
}

// A standalone server: the mock only (the real one is shared).
func TestAccIncusServer_standalone(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	addr := "rack_incus_server.test"
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: serverConfig(h, `config = { "core.https_address" = "127.0.0.1:8443", "user.a" = "b" }`),
				Check:  resource.TestCheckResourceAttr(addr, "id", "test:"),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "test:", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			{
				Config:      serverConfig(h, `target = "c2"`+"\n"+`config = { "core.syslog_socket" = "true" }`),
				ExpectError: regexp.MustCompile(`(?s)Cluster member "c2".*standalone`),
			},
		},
	})
}
