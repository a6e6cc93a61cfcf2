package bucket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// givenKeys is the body of a key whose keys are given write-only.
func givenKeys(access, secret string, version int, extra string) string {
	return fmt.Sprintf(`  role            = "admin"
  access_key_wo   = %q
  secret_key_wo   = %q
  keys_wo_version = %d
%s`, access, secret, version, extra)
}

// hostHas checks that the host's key has exactly these access and secret
// keys.
func hostHas(h *acctest.IncusHost, bucket, key, access, secret string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		k, err := getKey(h, bucket, key)
		if err != nil {
			return err
		}
		if k.AccessKey != access || k.SecretKey != secret {
			return fmt.Errorf("the host's key does not hold the given access and secret keys (access key %q)", k.AccessKey)
		}
		return nil
	}
}

// noTrace checks that none of the secrets appears anywhere in the state
// (as `terraform show -json` gives it, sensitive values included).
type noTrace []string

func (n noTrace) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	noTraceOf(func() []string { return n }).CheckState(ctx, req, resp)
}

// noTraceOf is noTrace of secrets known only once the check runs.
type noTraceOf func() []string

func (f noTraceOf) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	n := f()
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for i, s := range n {
		if s == "" || strings.Contains(string(b), s) {
			resp.Error = fmt.Errorf("given secret %d is empty or in state", i)
			return
		}
	}
}

// noTraceInPlan checks the same of the plan's values and changes (its
// copy of the configuration holds the literals written there).
type noTraceInPlan []string

func (n noTraceInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal([]any{req.Plan.PlannedValues, req.Plan.ResourceChanges, req.Plan.PriorState, req.Plan.OutputChanges})
	if err != nil {
		resp.Error = err
		return
	}
	for i, s := range n {
		if strings.Contains(string(b), s) {
			resp.Error = fmt.Errorf("given secret %d is in the plan", i)
			return
		}
	}
}

// configLine is a line of the configuration the harness logs.
var configLine = regexp.MustCompile(`^\s*\|\s+(access|secret)_key_wo\s+= "[^"]*"$`)

// checkLog fails when a secret is in the log, other than in the
// configuration the test harness logs as it runs it.
func checkLog(t *testing.T, path string, secrets ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) && !configLine.MatchString(line) {
				t.Errorf("a given key is in the log, in the line:\n%.300s", strings.ReplaceAll(line, s, "(the secret)"))
			}
		}
	}
}

func nullKeys() []statecheck.StateCheck {
	var checks []statecheck.StateCheck
	for _, a := range []string{"access_key", "secret_key", "access_key_wo", "secret_key_wo"} {
		checks = append(checks, statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New(a), knownvalue.Null()))
	}
	return checks
}

func TestAccStorageBucketKey_writeOnly(t *testing.T) {
	h := mockHost(t)
	bucket, key := acctest.RandomName("bkt"), acctest.RandomName("key")
	access1, secret1 := "AK"+strings.ToUpper(acctest.RandomName("a")), "s1-"+acctest.RandomName("secret")
	access2, secret2 := "AK"+strings.ToUpper(acctest.RandomName("a")), "s2-"+acctest.RandomName("secret")
	secrets := noTrace{access1, secret1, access2, secret2}
	v1 := keyConfig(h, bucket, key, givenKeys(access1, secret1, 1, ""))
	v1Described := keyConfig(h, bucket, key, givenKeys(access1, secret1, 1, `  description = "given"`))
	v2 := keyConfig(h, bucket, key, givenKeys(access2, secret2, 2, `  description = "given"`))
	var generated api.StorageBucketKey
	// Terraform's and the provider's log at TRACE: no given key may appear
	// in it (t.Setenv: this test is not parallel).
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Cleanup(func() { checkLog(t, logPath, secrets...) })
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, bucket),
		Steps: []resource.TestStep{
			{ // created with the given keys; state has no trace of them
				Config: v1,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					noTraceInPlan(secrets),
				}},
				ConfigStateChecks: append(nullKeys(), secrets,
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("keys_wo_version"), knownvalue.Int64Exact(1))),
				Check: hostHas(h, bucket, key, access1, secret1),
			},
			{ // a refresh and plan change nothing
				Config:           v1,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // an update with the same version keeps the keys on the host
				Config: v1Described,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(nullKeys(), secrets),
				Check: resource.ComposeTestCheckFunc(hostHas(h, bucket, key, access1, secret1), func(*terraform.State) error {
					k, err := getKey(h, bucket, key)
					if err != nil {
						return err
					}
					if k.Description != "given" {
						return fmt.Errorf("key on the host after the update: description %q", k.Description)
					}
					return nil
				}),
			},
			{ // a new version rotates the keys in place
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
					noTraceInPlan(secrets),
				}},
				ConfigStateChecks: append(nullKeys(), secrets,
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("keys_wo_version"), knownvalue.Int64Exact(2))),
				Check: hostHas(h, bucket, key, access2, secret2),
			},
			{ // given keys changed out of band are not seen: never read into state
				PreConfig: func() {
					k, err := getKey(h, bucket, key)
					if err != nil {
						t.Fatal(err)
					}
					put := k.Writable()
					put.SecretKey = "changed-out-of-band-0123456789"
					if err := h.Client.UpdateStoragePoolBucketKey("default", bucket, key, put, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config:            v2,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: append(nullKeys(), noTrace{"changed-out-of-band-0123456789"}),
			},
			{ // back to generated keys: a new key, with keys Incus made
				Config: keyConfig(h, bucket, key, `  role = "admin"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(sameAsHost(h, bucket, key, &generated), func(*terraform.State) error {
					if generated.AccessKey == access2 || generated.SecretKey == secret2 {
						return fmt.Errorf("the replaced key kept the given keys")
					}
					return nil
				}),
			},
			{ // generated to given: an update in place that drops the keys from state
				Config: keyConfig(h, bucket, key, givenKeys(access1, secret1, 1, "")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(nullKeys(), secrets, noTraceOf(func() []string { return []string{generated.SecretKey} })),
				Check:             hostHas(h, bucket, key, access1, secret1),
			},
		},
	})
}

// An import cannot tell given keys from generated ones: it reads the
// host's keys into state, and the first apply with the config's
// keys_wo_version sends the given keys and drops them from state.
func TestAccStorageBucketKey_writeOnlyImport(t *testing.T) {
	h := mockHost(t)
	bucket, key := acctest.RandomName("bkt"), acctest.RandomName("key")
	access, secret := "AK"+strings.ToUpper(acctest.RandomName("a")), "s-"+acctest.RandomName("secret")
	if _, err := h.Client.CreateStoragePoolBucket("default", api.StorageBucketsPost{Name: bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Client.CreateStoragePoolBucketKey("default", bucket, api.StorageBucketKeysPost{Name: key,
		StorageBucketKeyPut: api.StorageBucketKeyPut{Role: "admin", AccessKey: access, SecretKey: secret}}); err != nil {
		t.Fatal(err)
	}
	id := "test:default/default/" + bucket + "/" + key
	cfg := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_bucket_key" "test" {
  remote = "test"
  pool   = "default"
  bucket = %q
  name   = %q
%s
}
`, bucket, key, givenKeys(access, secret, 1, ""))
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := getKey(h, bucket, key); err == nil {
				return fmt.Errorf("key %s still exists", key)
			}
			// The bucket was made out of band: remove it (once; a second
			// check finds it gone).
			if err := h.Client.DeleteStoragePoolBucket("default", bucket); err != nil && !api.StatusErrorCheck(err, http.StatusNotFound) {
				return err
			}
			return nil
		},
		Steps: []resource.TestStep{
			{ // the imported state has the host's keys, as for a generated key
				Config:             cfg,
				ResourceName:       keyAddr,
				ImportState:        true,
				ImportStateId:      id,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["secret_key"] != secret || states[0].Attributes["keys_wo_version"] != "" {
						return fmt.Errorf("imported state does not hold the host's keys without a keys_wo_version")
					}
					return nil
				},
			},
			{ // the first apply sends the given keys and drops them from state
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(nullKeys(), noTrace{access, secret}),
				Check:             hostHas(h, bucket, key, access, secret),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccStorageBucketKey_writeOnlyValidation(t *testing.T) {
	h := mockHost(t)
	bucket, key := acctest.RandomName("bkt"), acctest.RandomName("key")
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{Config: keyConfig(h, bucket, key, body), PlanOnly: true, ExpectError: acctest.DiagRE(want)}
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(`  access_key_wo   = "AKONLY"
  keys_wo_version = 1`, `Attribute "secret_key_wo" must be specified when "access_key_wo" is specified`),
			step(`  secret_key_wo   = "only-the-secret"
  keys_wo_version = 1`, `Attribute "access_key_wo" must be specified when "secret_key_wo" is specified`),
			step(`  access_key_wo = "AKNOVERSION"
  secret_key_wo = "no-version-secret"`, `Attribute "keys_wo_version" must be specified when "access_key_wo" is specified`),
			step(`  keys_wo_version = 1`, `Attribute "access_key_wo" must be specified when "keys_wo_version" is specified`),
			step(`  access_key_wo   = ""
  secret_key_wo   = "empty-access-key"
  keys_wo_version = 1`, `Attribute access_key_wo string length must be at least 1`),
		},
	})
}
