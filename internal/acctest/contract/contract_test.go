package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/provider"
)

// secretCanary is configured as a PiKVM password in every contract run: it
// must never appear in a diagnostic or in the log.
const secretCanary = "canary-Secret-0f3b9c"

// logPath collects Terraform's and the provider's log at TRACE, and
// stderrPath the client packages' log (the provider's stderr, which
// Terraform adds to its log), for the whole package: set in TestMain, as
// t.Setenv forbids parallel tests.
var logPath, stderrPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rack-contract-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logPath = filepath.Join(dir, "terraform.log")
	_ = os.Setenv("TF_LOG", "TRACE")
	_ = os.Setenv("TF_ACC_LOG_PATH", logPath)
	stderrPath = filepath.Join(dir, "stderr.log")
	if f, err := os.Create(stderrPath); err == nil {
		os.Stderr = f
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// Every resource type of the provider has a case: a type left out fails.
func TestContractCoversEveryResourceType(t *testing.T) {
	for _, name := range resourceTypes(t) {
		if _, ok := cases[name]; !ok {
			t.Errorf("%s has no contract case: add one to cases (see contract_cases_*_test.go)", name)
		}
	}
	for name := range cases {
		if !slices.Contains(resourceTypes(t), name) {
			t.Errorf("contract case %s names no resource type of the provider", name)
		}
	}
}

func resourceTypes(t *testing.T) []string {
	t.Helper()
	var names []string
	ctx := context.Background()
	for _, newResource := range provider.New("test")().Resources(ctx) {
		var meta resource.MetadataResponse
		newResource().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "rack"}, &meta)
		names = append(names, meta.TypeName)
	}
	slices.Sort(names)
	return names
}

func newResource(t *testing.T, typeName string) resource.Resource {
	t.Helper()
	ctx := context.Background()
	for _, newRes := range provider.New("test")().Resources(ctx) {
		r := newRes()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "rack"}, &meta)
		if meta.TypeName == typeName {
			return r
		}
	}
	t.Fatalf("no resource type %s", typeName)
	return nil
}

// TestContract runs every case's clauses, on each host its type runs on.
func TestContract(t *testing.T) {
	acctest.PreCheck(t)
	for _, name := range resourceTypes(t) {
		c, ok := cases[name]
		if !ok {
			continue // TestContractCoversEveryResourceType reports it
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c.hosts(t, func(t *testing.T, env *Env) {
				t.Run("read_and_delete_gone", func(t *testing.T) { readAndDeleteGone(t, name, c, env) })
				t.Run("lifecycle", func(t *testing.T) { lifecycle(t, c, env) })
				t.Run("interrupted_create", func(t *testing.T) { interruptedCreate(t, c, env) })
				t.Run("interrupted_rename", func(t *testing.T) { interruptedRename(t, c, env) })
				t.Run("permission_denied", func(t *testing.T) { permissionDenied(t, c, env) })
			})
		})
	}
}

// readAndDeleteGone: Read of an object that does not exist drops it from
// state with a warning, and Delete of it succeeds.
func readAndDeleteGone(t *testing.T, typeName string, c Case, env *Env) {
	if c.Identity == nil {
		t.Skip(c.NoGone)
	}
	r := newResource(t, typeName)
	rc, ok := r.(resource.ResourceWithConfigure)
	if !ok {
		t.Fatalf("%s has no Configure", typeName)
	}
	var cresp resource.ConfigureResponse
	rc.Configure(context.Background(), resource.ConfigureRequest{ProviderData: env.Data(t)}, &cresp)
	if cresp.Diagnostics.HasError() {
		t.Fatal(cresp.Diagnostics)
	}
	state := stateWith(t, r, c.Identity(env, acctest.RandomName("gone")))

	read := &resource.ReadResponse{State: state}
	r.Read(context.Background(), resource.ReadRequest{State: state}, read)
	if read.Diagnostics.HasError() {
		t.Fatalf("Read of a gone object failed: %v", read.Diagnostics)
	}
	if !read.State.Raw.IsNull() {
		t.Error("Read of a gone object left it in state")
	}
	if len(read.Diagnostics) != 1 || !strings.Contains(read.Diagnostics[0].Summary(), "Removed From State") {
		t.Errorf("Read of a gone object: diagnostics %v, want one warning \"... Removed From State\"", read.Diagnostics)
	}

	del := &resource.DeleteResponse{State: state}
	r.Delete(context.Background(), resource.DeleteRequest{State: state}, del)
	if del.Diagnostics.HasError() {
		t.Errorf("Delete of a gone object failed: %v", del.Diagnostics)
	}
	checkNoSecret(t, fmt.Sprint(read.Diagnostics, del.Diagnostics))
}

// lifecycle: a taken name is a Conflict naming the exact import ID; create;
// import round-trips with an empty plan; deleted out of band, it is planned
// again; no secret in any diagnostic or the log.
func lifecycle(t *testing.T, c Case, env *Env) {
	name := acctest.RandomName("ct")
	config := env.ProviderConfig() + c.Config(env, name)
	// secrets are the case's secret values seen on the host while the
	// object existed, checked against the log at the end.
	var secrets []string
	collect := func() {
		if c.Secrets != nil {
			secrets = append(secrets, c.Secrets(t, env, name)...)
		}
	}
	collectCheck := func(*terraform.State) error { collect(); return nil }
	var steps []tfresource.TestStep
	if c.TakeName != nil {
		steps = append(steps, tfresource.TestStep{
			PreConfig:   func() { c.TakeName(t, env, name) },
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)import.*` + regexp.QuoteMeta(fmt.Sprintf("%q", c.ImportID(env, name)))),
		}, tfresource.TestStep{
			PreConfig: func() { collect(); c.DeleteOutOfBand(t, env, name) },
			Config:    config,
			Check:     collectCheck,
		})
	} else {
		steps = append(steps, tfresource.TestStep{Config: config, Check: collectCheck})
	}
	steps = append(steps,
		tfresource.TestStep{ // import by ID, verified attribute by attribute
			ResourceName:            c.Address,
			ImportState:             true,
			ImportStateId:           c.ImportID(env, name),
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: append([]string{"timeouts"}, c.ImportIgnore...),
		},
		tfresource.TestStep{ // import block: the plan after it is empty
			ResourceName:    c.Address,
			ImportState:     true,
			ImportStateKind: tfresource.ImportBlockWithID,
			ImportStateId:   c.ImportID(env, name),
			Config:          config,
		},
	)
	if c.DeleteOutOfBand != nil {
		steps = append(steps, tfresource.TestStep{ // gone: planned again, and made again
			PreConfig: func() { c.DeleteOutOfBand(t, env, name) },
			Config:    config,
			Check:     collectCheck,
			ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(c.Address, plancheck.ResourceActionCreate),
			}},
		})
	}
	tfresource.UnitTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if c.Exists != nil && c.Exists(t, env, name) {
				return fmt.Errorf("%s %s still exists after destroy", c.Address, name)
			}
			return nil
		},
	})
	for _, p := range []string{logPath, stderrPath} {
		if b, err := os.ReadFile(p); err == nil {
			checkNoSecret(t, string(b), secrets...)
		}
	}
}

// checkNoSecret fails when the canary, or one of the case's own secrets,
// appears in text.
func checkNoSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	// The test harness logs the configuration it runs, the password
	// attribute with it; any other mention is a leak.
	text = strings.ReplaceAll(text, fmt.Sprintf("password = %q", secretCanary), "password = (config)")
	for _, secret := range append([]string{secretCanary}, secrets...) {
		if secret == "" {
			continue
		}
		if i := strings.Index(text, secret); i >= 0 {
			start := strings.LastIndex(text[:i], "\n") + 1
			end := i + strings.Index(text[i:]+"\n", "\n")
			t.Errorf("a secret appears in diagnostics or logs, in the line:\n%s", strings.ReplaceAll(text[start:end], secret, "(the secret)"))
		}
	}
}

// stateWith builds a resource state with the given attributes set and every
// other attribute null.
func stateWith(t *testing.T, r resource.Resource, values map[string]string) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	objType, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("schema is not an object")
	}
	attrs := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		if v, ok := values[name]; ok {
			attrs[name] = tftypes.NewValue(typ, v)
		} else {
			attrs[name] = tftypes.NewValue(typ, nil)
		}
	}
	return tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(objType, attrs)}
}

// interruptedCreate: Ctrl-C once the host has accepted the create, or the
// daemon restarting before it answers, leaves the object in state (nothing
// orphaned), and the next plan is empty. Mock only: it needs the fault hooks.
func interruptedCreate(t *testing.T, c Case, env *Env) {
	switch {
	case env.Incus == nil:
		t.Skip("PiKVM types: internal/provider/pikvm/fault_matrix_test.go cuts their calls")
	case !env.Incus.IsMock():
		t.Skip("needs the mock host's fault hooks")
	case c.CreateRequest.PathPrefix == "":
		t.Skip("the case gives no CreateRequest (its object needs others made first)")
	}
	moments := map[string]func(stop *acctest.Interrupter) func(){
		"ctrl_c_after_accept": func(stop *acctest.Interrupter) func() { return stop.Interrupt },
		"restart_before_answer": func(*acctest.Interrupter) func() {
			return func() { env.Incus.Mock.Restart(time.Second, mockhost.OpsFinish) }
		},
	}
	for moment, hook := range moments {
		t.Run(moment, func(t *testing.T) {
			name := acctest.RandomName("cut")
			if c.Prepare != nil {
				c.Prepare(t, env, name)
			}
			config := env.ProviderConfig() + c.Config(env, name)
			stop := acctest.NewInterrupter()
			cut := tfresource.TestStep{
				PreConfig: func() {
					f := c.CreateRequest
					f.Times, f.HookAfter, f.Hook = 1, true, hook(stop)
					env.Incus.Mock.InjectFault(f)
				},
				Config: config,
			}
			if c.CutCreateError != nil {
				// Cut after its first request, the create did not finish,
				// whether by Ctrl-C or by a lost answer.
				cut.ExpectError = c.CutCreateError
			}
			tfresource.UnitTest(t, tfresource.TestCase{
				ProtoV6ProviderFactories: stop.Factories(),
				Steps: []tfresource.TestStep{
					cut,
					{
						// An object the cut left out of state would make
						// this apply fail: its name is taken.
						PreConfig: func() {
							stop.Reset()
							if !c.Exists(t, env, name) {
								t.Errorf("after the cut, %s %s is not on the host", c.Address, name)
							}
						},
						Config: config,
					},
					{
						Config:           config,
						ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
		})
	}
}

// interruptedRename: Ctrl-C once the host has accepted a rename in place,
// or the daemon restarting before it answers: state follows the object to
// its new name (no ghost under the old one, no second object planned), and
// the next plan is empty. Mock only.
func interruptedRename(t *testing.T, c Case, env *Env) {
	switch {
	case env.Incus == nil || c.RenameRequest == nil:
		t.Skip("for Incus types renamed in place whose case gives a RenameRequest")
	case !env.Incus.IsMock():
		t.Skip("needs the mock host's fault hooks")
	}
	moments := map[string]func(stop *acctest.Interrupter) func(){
		"ctrl_c_after_accept": func(stop *acctest.Interrupter) func() { return stop.Interrupt },
		"restart_before_answer": func(*acctest.Interrupter) func() {
			return func() { env.Incus.Mock.Restart(time.Second, mockhost.OpsFinish) }
		},
	}
	for moment, hook := range moments {
		t.Run(moment, func(t *testing.T) {
			name := acctest.RandomName("ren")
			renamed := name + "-b"
			if c.Prepare != nil {
				c.Prepare(t, env, name) // what both names need (a snapshot's instance)
			}
			stop := acctest.NewInterrupter()
			tfresource.UnitTest(t, tfresource.TestCase{
				ProtoV6ProviderFactories: stop.Factories(),
				Steps: []tfresource.TestStep{
					{Config: env.ProviderConfig() + c.Config(env, name)},
					{
						PreConfig: func() {
							f := c.RenameRequest(name)
							f.Times, f.HookAfter, f.Hook = 1, true, hook(stop)
							env.Incus.Mock.InjectFault(f)
						},
						Config: env.ProviderConfig() + c.Config(env, renamed),
						// Either the update after the rename is not started
						// (interrupted) or the rename's answer was lost:
						// an error, with the new name recorded (the next
						// step fails with a name conflict otherwise).
						ExpectError: regexp.MustCompile(`Unable to (Rename|Update) Incus`),
					},
					{
						PreConfig: stop.Reset,
						Config:    env.ProviderConfig() + c.Config(env, renamed),
						Check: func(*terraform.State) error {
							if c.Exists(t, env, name) || !c.Exists(t, env, renamed) {
								return fmt.Errorf("on the host: %s exists %v, %s exists %v", name, c.Exists(t, env, name), renamed, c.Exists(t, env, renamed))
							}
							return nil
						},
					},
					{
						Config:           env.ProviderConfig() + c.Config(env, renamed),
						ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
		})
	}
}

// permissionDenied: a client certificate restricted to other projects gets
// incusd's 403 on the create (its text below, as incusd 6.0 words it);
// the diagnostic says access was refused and what to check, and nothing
// is saved in state. Mock only: the shared real daemon is reached as root
// over its unix socket, which no restriction applies to.
func permissionDenied(t *testing.T, c Case, env *Env) {
	switch {
	case env.Incus == nil:
		t.Skip("Incus types only")
	case !env.Incus.IsMock():
		t.Skip("the real daemon is reached as root over its unix socket: no restriction applies")
	case c.CreateRequest.PathPrefix == "":
		t.Skip("the case gives no CreateRequest (its object needs others made first)")
	}
	name := acctest.RandomName("denied")
	if c.Prepare != nil {
		c.Prepare(t, env, name)
	}
	tfresource.UnitTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []tfresource.TestStep{{
			PreConfig: func() {
				f := c.CreateRequest
				f.Times, f.Status, f.Message = 1, http.StatusForbidden, `User does not have permission for project "default"`
				env.Incus.Mock.InjectFault(f)
			},
			Config:      env.ProviderConfig() + c.Config(env, name),
			ExpectError: acctest.DiagRE(`refused access.*incus config trust show.*User does not have permission for project "default"`),
		}},
		CheckDestroy: func(*terraform.State) error {
			if c.Exists(t, env, name) {
				return fmt.Errorf("%s %s exists after a refused create", c.Address, name)
			}
			return nil
		},
	})
}
