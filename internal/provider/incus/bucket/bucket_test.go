package bucket_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const bucketAddr = "rack_incus_storage_bucket.test"

// mockHost is the mock incusd: the real test daemon has no MinIO, so it
// serves no buckets (TestAccStorageBucket_noMinIO checks its refusal).
func mockHost(t *testing.T) *acctest.IncusHost {
	t.Helper()
	acctest.PreCheck(t)
	return acctest.StartMockHost(t)
}

func bucketConfig(h *acctest.IncusHost, name, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_bucket" "test" {
  remote = "test"
  pool   = "default"
  name   = %q
%s
}
`, name, body)
}

func bucketGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetStoragePoolBucket("default", n); err == nil {
				return fmt.Errorf("bucket %s still exists", n)
			}
		}
		return nil
	}
}

func TestAccStorageBucket_lifecycle(t *testing.T) {
	h := mockHost(t)
	name, renamed := acctest.RandomName("bkt"), acctest.RandomName("bkt")
	first := bucketConfig(h, name, `  description = "first"
  config      = { "user.purpose" = "test" }`)
	second := bucketConfig(h, name, `  description = "second"
  config      = { "user.purpose" = "other", "size" = "1GiB" }`)
	replaced := bucketConfig(h, renamed, `  description = "second"`)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, name, renamed),
		Steps: []resource.TestStep{
			{
				Config: first,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// remote, project and ID are known at plan time
					plancheck.ExpectKnownValue(bucketAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/default/"+name)),
					plancheck.ExpectKnownValue(bucketAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bucketAddr, tfjsonpath.New("s3_url"), knownvalue.StringRegexp(regexp.MustCompile(`^https://.+/`+name+`$`))),
					statecheck.ExpectKnownValue(bucketAddr, tfjsonpath.New("description"), knownvalue.StringExact("first")),
					statecheck.ExpectKnownValue(bucketAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
						"user.purpose": knownvalue.StringExact("test")})),
				},
				Check: func(*terraform.State) error {
					b, _, err := h.Client.GetStoragePoolBucket("default", name)
					if err != nil || b.Description != "first" || b.Config["user.purpose"] != "test" {
						return fmt.Errorf("bucket on the host: %+v: %w", b, err)
					}
					return nil
				},
			},
			{ // description and config change in place
				Config: second,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bucketAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					b, _, err := h.Client.GetStoragePoolBucket("default", name)
					if err != nil || b.Description != "second" || b.Config["size"] != "1GiB" || b.Config["user.purpose"] != "other" {
						return fmt.Errorf("bucket on the host after the update: %+v: %w", b, err)
					}
					return nil
				},
			},
			{ // import by ID, attribute by attribute
				ResourceName:            bucketAddr,
				ImportState:             true,
				ImportStateId:           "test:default/default/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{ // import block: the plan after it is empty
				ResourceName:    bucketAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "test:default/default/" + name,
				Config:          second,
			},
			{ // a bucket is not renamed: a new name replaces it
				Config: replaced,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bucketAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: bucketGone(h, name),
			},
			{ // the data source reads it
				Config: replaced + `
data "rack_incus_storage_bucket" "test" {
  remote = "test"
  pool   = "default"
  name   = rack_incus_storage_bucket.test.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.rack_incus_storage_bucket.test", tfjsonpath.New("description"), knownvalue.StringExact("second")),
					statecheck.ExpectKnownValue("data.rack_incus_storage_bucket.test", tfjsonpath.New("project"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue("data.rack_incus_storage_bucket.test", tfjsonpath.New("s3_url"), knownvalue.StringRegexp(regexp.MustCompile(renamed+`$`))),
				},
			},
		},
	})
}

func TestAccStorageBucket_drift(t *testing.T) {
	h := mockHost(t)
	name := acctest.RandomName("bkt")
	cfg := bucketConfig(h, name, `  description = "managed"
  config      = { "user.owner" = "terraform" }`)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, name),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // changed out of band: put back
				PreConfig: func() {
					err := h.Client.UpdateStoragePoolBucket("default", name, api.StorageBucketPut{
						Description: "someone else", Config: map[string]string{"user.owner": "someone-else", "user.extra": "1"}}, "")
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bucketAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					b, _, err := h.Client.GetStoragePoolBucket("default", name)
					if err != nil || b.Description != "managed" || len(b.Config) != 1 || b.Config["user.owner"] != "terraform" {
						return fmt.Errorf("bucket on the host after putting it back: %+v: %w", b, err)
					}
					return nil
				},
			},
			{ // deleted out of band: removed from state with a warning, then made again
				PreConfig: func() {
					if err := h.Client.DeleteStoragePoolBucket("default", name); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bucketAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

func TestAccStorageBucket_errors(t *testing.T) {
	h := mockHost(t)
	taken := acctest.RandomName("bkt")
	if _, err := h.Client.CreateStoragePoolBucket("default", api.StorageBucketsPost{Name: taken}); err != nil {
		t.Fatal(err)
	}
	name := acctest.RandomName("bkt")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, name),
		Steps: []resource.TestStep{
			{ // a taken name: the error gives the import ID that adopts it
				Config:      bucketConfig(h, taken, ""),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket.*already exists.*import.*"test:default/default/` + taken + `"`),
			},
			{ // a pool that does not exist is named
				Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_bucket" "test" {
  remote = "test"
  pool   = "nosuchpool"
  name   = %q
}
`, name),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket.*"nosuchpool".*not found`),
			},
			{ // the server's refusal of a config key, verbatim
				Config:      bucketConfig(h, name, `  config = { "nosuch.key" = "1" }`),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket.*Invalid option "nosuch.key"`),
			},
			{ // a name incusd would refuse is refused at plan time
				Config:      bucketConfig(h, "Bad_Name", ""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`storage bucket name.*3 to 63 lowercase letters`),
			},
			{ // an import ID of the wrong form says the right one
				Config:        bucketConfig(h, name, ""),
				ResourceName:  bucketAddr,
				ImportState:   true,
				ImportStateId: "test:only-a-name",
				ExpectError:   acctest.DiagRE(`Invalid Import ID for Incus Storage Bucket`),
			},
			{ // import of a bucket that does not exist is an error
				Config:        bucketConfig(h, name, ""),
				ResourceName:  bucketAddr,
				ImportState:   true,
				ImportStateId: "test:default/default/" + name,
				ExpectError:   acctest.DiagRE(`Cannot Import Incus Storage Bucket.*` + name + `.*not found`),
			},
		},
	})
}

// On a server without MinIO (the real test daemon), a bucket is refused
// and the diagnostic says why and what to do.
func TestAccStorageBucket_noMinIO(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.RealHost(t)
	name := acctest.RandomName("bkt")
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, name),
		Steps: []resource.TestStep{{
			Config:      bucketConfig(h, name, ""),
			ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket.*Server message: Failed creating storage bucket: .*MinIO.*need MinIO \(the minio and mc commands\) installed on the server, or use a pool of driver cephobject`),
		}},
	})
}
