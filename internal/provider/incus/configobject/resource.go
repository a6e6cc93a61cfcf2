package configobject

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// etagKey is where the resource keeps, in Terraform's private state, the
// ETag of the object as last read: an update sends it, so a change made
// outside Terraform since the refresh becomes a Conflict, never a silent
// overwrite.
const etagKey = "etag"

type configResource[M any, O any] struct {
	t    *Type[M, O]
	data *providerdata.Data
}

var (
	_ resource.ResourceWithConfigure   = (*configResource[struct{ Base }, struct{}])(nil)
	_ resource.ResourceWithImportState = (*configResource[struct{ Base }, struct{}])(nil)
	_ resource.ResourceWithModifyPlan  = (*configResource[struct{ Base }, struct{}])(nil)
)

// NewResource is the constructor of t's resource type, for the provider's
// list of types.
func NewResource[M any, O any](t *Type[M, O]) func() resource.Resource {
	return func() resource.Resource { return &configResource[M, O]{t: t} }
}

func common[M any](m *M) *Core { return any(m).(Model).Common() }

func nameField[M any](m *M) *types.String { return any(m).(Model).NameField() }

func (r *configResource[M, O]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_" + r.t.Name
}

func (r *configResource[M, O]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

// Schema is the shared attributes plus the type's own.
func (r *configResource[M, O]) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	t := r.t
	what := t.noun()
	nameModifiers := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	nameDoc := fmt.Sprintf("Name of the %s. Changing it replaces the %s.", what, what)
	if t.Rename != nil {
		nameModifiers = nil
		nameDoc = fmt.Sprintf("Name of the %s. Changing it renames the %s in place.", what, what)
	}
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true,
			Description:   fmt.Sprintf("The %s's import ID, `%s`, written out in full.", what, t.ImportIDForm()),
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
			Description: fmt.Sprintf("Description of the %s. Defaults to empty.", what)},
		"remote":   incusattr.RemoteAttribute(what),
		"timeouts": fw.PlainTimeoutsAttribute(ctx, t.Timeouts),
	}
	if t.NameAttribute == "" {
		attrs["name"] = schema.StringAttribute{Required: true, Description: nameDoc,
			Validators: t.NameValidators, PlanModifiers: nameModifiers}
	}
	if !t.NoConfig {
		attrs["config"] = schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: fmt.Sprintf("Config keys of the %s, as `incus %s set` takes them. Keys Incus fills in itself are not shown unless set here; a key changed or added outside Terraform shows as drift.", what, t.cliNoun()),
			Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}}
	}
	if t.InProject {
		attrs["project"] = incusattr.ProjectAttribute(what)
	}
	for _, p := range t.Parents {
		attrs[p.Attribute] = schema.StringAttribute{Required: true,
			Description:   p.Description + fmt.Sprintf(" Changing it replaces the %s.", what),
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
	}
	for name, a := range t.Attributes {
		attrs[name] = a
	}
	resp.Schema = schema.Schema{
		Description: t.Description + fmt.Sprintf("\n\nImport ID: `%s`.", t.ImportIDForm()),
		Attributes:  attrs,
	}
}

// noun is the object in descriptions: "storage bucket key".
func (t *Type[M, O]) noun() string {
	if t.Noun != "" {
		return t.Noun
	}
	return strings.ToLower(t.Title)
}

// cliNoun is the incus command of the type: "profile", "storage volume".
func (t *Type[M, O]) cliNoun() string {
	if t.CLI != "" {
		return t.CLI
	}
	return t.Name
}

// attributeGetter is a plan or a state.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// where reads the object's scope and key from a plan or a state.
func (r *configResource[M, O]) where(ctx context.Context, from attributeGetter, diags *diag.Diagnostics) (incus.Scope, Key) {
	var remote, project, name types.String
	diags.Append(from.GetAttribute(ctx, path.Root("remote"), &remote)...)
	diags.Append(from.GetAttribute(ctx, path.Root(r.t.nameAttribute()), &name)...)
	if r.t.InProject {
		diags.Append(from.GetAttribute(ctx, path.Root("project"), &project)...)
	}
	k := Key{Name: name.ValueString()}
	for _, p := range r.t.Parents {
		var v types.String
		diags.Append(from.GetAttribute(ctx, path.Root(p.Attribute), &v)...)
		k.Parents = append(k.Parents, v.ValueString())
	}
	s := incus.Scope{Remote: remote.ValueString(), Project: project.ValueString()}
	if r.t.Target {
		var target types.String
		diags.Append(from.GetAttribute(ctx, path.Root("target"), &target)...)
		s.Target = target.ValueString()
	}
	if r.data != nil {
		s = incusattr.ResolvedScope(r.data.Incus, s)
	}
	return s, k
}

func (r *configResource[M, O]) names(k Key) []string {
	return append(append([]string{}, k.Parents...), k.Name)
}

// ModifyPlan resolves the remote and project at plan time and fills in the
// ID, so the plan shows where the object goes.
func (r *configResource[M, O]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or provider not configured yet
	}
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b := common(&plan)
	var project types.String
	var projectPtr *types.String
	if r.t.InProject {
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &project)...)
		projectPtr = &project
	}
	if !incusattr.PlanScope(ctx, r.data.Incus, req, &resp.Diagnostics, &b.Remote, projectPtr) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if r.t.InProject {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("project"), project)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	s, k := r.where(ctx, resp.Plan, &resp.Diagnostics)
	if r.t.Requires != nil && req.State.Raw.IsNull() && !b.Remote.IsUnknown() {
		// One GET /1.0 per remote and process. A server that cannot be
		// asked now is left to the apply, which reports why.
		if err := r.data.Incus.CheckExtension(ctx, s, *r.t.Requires, r.t.describe(s, k)); incus.MissingExtension(err) {
			fw.AddError(&resp.Diagnostics, r.t.summary("Create"), err)
			return
		}
	}
	if known(ctx, resp.Plan, r.idAttributes()...) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), r.t.ImportIDForm().Format(s.Remote, s.Project, r.names(k)...))...)
	} else {
		// A name known only at apply (renamed to another resource's
		// output): the ID is too, not the prior one.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
	}
}

func (r *configResource[M, O]) idAttributes() []string {
	attrs := []string{"remote", r.t.nameAttribute()}
	if r.t.InProject {
		attrs = append(attrs, "project")
	}
	for _, p := range r.t.Parents {
		attrs = append(attrs, p.Attribute)
	}
	return attrs
}

// known reports whether every named attribute of the plan is known.
func known(ctx context.Context, plan tfsdk.Plan, attrs ...string) bool {
	for _, a := range attrs {
		var v types.String
		if plan.GetAttribute(ctx, path.Root(a), &v).HasError() || v.IsUnknown() {
			return false
		}
	}
	return true
}

// modelSource is a plan or a state: the model and its attributes.
type modelSource interface {
	attributeGetter
	Get(ctx context.Context, target any) diag.Diagnostics
}

// begin opens a CRUD method: the model from src, the step's timeout on
// ctx, and where the object is. ok is false when a diagnostic was added.
func (r *configResource[M, O]) begin(ctx context.Context, src modelSource, step string, fallback time.Duration, diags *diag.Diagnostics) (m M, s incus.Scope, k Key, _ context.Context, cancel context.CancelFunc, ok bool) {
	cancel = func() {}
	diags.Append(src.Get(ctx, &m)...)
	if diags.HasError() {
		return m, s, k, ctx, cancel, false
	}
	ctx, cancel = fw.BeginStep(ctx, common(&m).Timeouts, step, fallback, diags)
	s, k = r.where(ctx, src, diags)
	return m, s, k, ctx, cancel, !diags.HasError()
}

func (r *configResource[M, O]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, s, k, ctx, cancel, ok := r.begin(ctx, req.Plan, "create", r.t.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if !ok || !r.fromConfig(ctx, &plan, req.Config, nil, &resp.Diagnostics) {
		return
	}
	err := r.t.Create(ctx, r.data.Incus, s, k, &plan, &resp.Diagnostics)
	var taken *clienterr.ConflictError
	if errors.As(err, &taken) && taken.ImportID != "" {
		// The name belongs to an object made elsewhere: never adopt it.
		fw.AddError(&resp.Diagnostics, r.t.summary("Create"), err)
		return
	}
	if err == nil {
		if !r.readBack(ctx, &plan, s, k, resp.Private, &resp.Diagnostics) {
			// Made, but not read back: keep what was asked for, so that
			// the object is never orphaned; the next refresh reads it.
			resp.State.Raw = withoutUnknowns(req.Plan.Raw)
			return
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		fw.WarnIfInterrupted(ctx, &resp.Diagnostics, r.t.describe(s, k)+" was created")
		return
	}
	// The create failed, but the object may exist: its answer was lost, or
	// a later request of a create made of several (a copy then its
	// settings, a snapshot then its description) failed or was cut. What
	// exists goes into state, so that nothing is orphaned.
	var quiet diag.Diagnostics
	if !r.readBack(ctx, &plan, s, k, resp.Private, &quiet) {
		fw.AddError(&resp.Diagnostics, r.t.summary("Create"), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if clienterr.OutcomeUnknown(err) && matchesPlan(req.Plan.Raw, resp.State.Raw) {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Incus Connection Lost During Create of %s", r.t.Title),
			fmt.Sprintf("%s was found created after the answer to its create was lost, and is saved in state.\n\n%s", fw.Capitalize(r.t.describe(s, k)), err))
		return
	}
	resp.Diagnostics.AddError(r.t.summary("Create"),
		fmt.Sprintf("%s exists, but its create did not finish: it is saved in state as tainted, and the next apply replaces it.\n\n%s", fw.Capitalize(r.t.describe(s, k)), fw.ErrorDetail(err)))
}

// fromConfig hands the type's FromConfig the config (and, on an update,
// the prior state). ok is false when a diagnostic was added.
func (r *configResource[M, O]) fromConfig(ctx context.Context, m *M, config tfsdk.Config, state *tfsdk.State, diags *diag.Diagnostics) bool {
	if r.t.FromConfig == nil {
		return true
	}
	var cfg M
	diags.Append(config.Get(ctx, &cfg)...)
	var prior *M
	if state != nil {
		prior = new(M)
		diags.Append(state.Get(ctx, prior)...)
	}
	if diags.HasError() {
		return false
	}
	r.t.FromConfig(m, &cfg, prior)
	return true
}

// readBack reads the object after a change into m and keeps its ETag. A
// missing object or a failed read adds an error and returns false.
func (r *configResource[M, O]) readBack(ctx context.Context, m *M, s incus.Scope, k Key, private privateSetter, diags *diag.Diagnostics) bool {
	obj, err := r.getAfterChange(ctx, s, k)
	if err != nil {
		fw.AddError(diags, r.t.summary("Read"), err)
		return false
	}
	r.apply(ctx, m, obj, s, k, diags)
	r.keepETag(ctx, private, obj.ETag, diags)
	return !diags.HasError()
}

// apply sets the model from the server's object.
func (r *configResource[M, O]) apply(ctx context.Context, m *M, obj Object[O], s incus.Scope, k Key, diags *diag.Diagnostics) {
	r.t.Read(ctx, m, obj.Value, diags)
	b := common(m)
	b.ID = types.StringValue(r.t.ImportIDForm().Format(s.Remote, s.Project, r.names(k)...))
	*nameField(m) = types.StringValue(k.Name)
	b.Remote = types.StringValue(s.Remote)
}

// getAfterChange reads the object after a change the server may have
// made: see incus.ReadAfterChange.
func (r *configResource[M, O]) getAfterChange(ctx context.Context, s incus.Scope, k Key) (Object[O], error) {
	var obj Object[O]
	err := incus.ReadAfterChange(ctx, func(ctx context.Context) error {
		var err error
		obj, err = r.t.Get(ctx, r.data.Incus, s, k)
		return err
	})
	return obj, err
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func (r *configResource[M, O]) keepETag(ctx context.Context, private privateSetter, etag string, diags *diag.Diagnostics) {
	if private == nil {
		return
	}
	b, _ := json.Marshal(etag)
	diags.Append(private.SetKey(ctx, etagKey, b)...)
}

func lastETag(ctx context.Context, private privateGetter) string {
	if private == nil {
		return ""
	}
	b, _ := private.GetKey(ctx, etagKey)
	var etag string
	if len(b) > 0 && json.Unmarshal(b, &etag) != nil {
		return ""
	}
	return etag
}

func (r *configResource[M, O]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, s, k, ctx, cancel, ok := r.begin(ctx, req.State, "read", r.t.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	obj, err := r.t.Get(ctx, r.data.Incus, s, k)
	if incus.IsNotFound(err) {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Incus %s Removed From State", r.t.Title),
			fmt.Sprintf("%s no longer exists, so it was removed from state; the next apply creates it again.\n\n%s", fw.Capitalize(r.t.describe(s, k)), err))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, r.t.summary("Read"), err)
		return
	}
	r.apply(ctx, &state, obj, s, k, &resp.Diagnostics)
	r.keepETag(ctx, resp.Private, obj.ETag, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *configResource[M, O]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, _, planned, ctx, cancel, ok := r.begin(ctx, req.Plan, "update", r.t.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	s, k := r.where(ctx, req.State, &resp.Diagnostics) // the name before a rename
	if !ok || resp.Diagnostics.HasError() || !r.fromConfig(ctx, &plan, req.Config, &req.State, &resp.Diagnostics) {
		return
	}
	etag := lastETag(ctx, req.Private)
	if planned.Name != k.Name {
		err := r.t.Rename(ctx, r.data.Incus, s, k, planned.Name)
		if err != nil && !clienterr.OutcomeUnknown(err) {
			fw.AddError(&resp.Diagnostics, r.t.summary("Rename"), err)
			return
		}
		renamed := err == nil
		if err != nil {
			// The answer was lost: the rename may have happened. Ask the
			// server, so that state names the object that exists.
			_, gerr := r.getAfterChange(ctx, s, planned)
			renamed = gerr == nil
		}
		if renamed {
			k = planned
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(r.t.nameAttribute()), k.Name)...)
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), r.t.ImportIDForm().Format(s.Remote, s.Project, r.names(k)...))...)
		}
		if err != nil {
			fw.AddError(&resp.Diagnostics, r.t.summary("Rename"), err)
			return
		}
		// The ETag was the old name's; a rename is itself a change the
		// server makes, so take the renamed object's.
		obj, err := r.getAfterChange(ctx, s, k)
		if err != nil {
			fw.AddError(&resp.Diagnostics, r.t.summary("Read"), err)
			return
		}
		etag = obj.ETag
	}
	if err := r.t.Update(ctx, r.data.Incus, s, k, &plan, etag, &resp.Diagnostics); err != nil {
		fw.AddError(&resp.Diagnostics, r.t.summary("Update"), err)
		// Record what the server has now: a failed update may have changed
		// nothing, or a rename went through before it.
		var prior M
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
		if r.readBack(ctx, &prior, s, k, resp.Private, &diag.Diagnostics{}) {
			resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
		}
		return
	}
	if !r.readBack(ctx, &plan, s, k, resp.Private, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, r.t.describe(s, k)+" was updated")
}

func (r *configResource[M, O]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, s, k, ctx, cancel, ok := r.begin(ctx, req.State, "delete", r.t.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if r.t.Undeletable != nil && r.t.Undeletable(k) && r.t.Reset == nil {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Incus %s Removed From State, Not Deleted", r.t.Title),
			fmt.Sprintf("%s was left as it is and removed from state: %s", fw.Capitalize(r.t.describe(s, k)), r.t.Kept))
		return
	}
	if r.t.Undeletable != nil && r.t.Undeletable(k) && r.t.Reset != nil {
		if err := r.t.Reset(ctx, r.data.Incus, s, k, &state, lastETag(ctx, req.Private)); err != nil && !incus.IsNotFound(err) {
			fw.AddError(&resp.Diagnostics, r.t.summary("Reset"), err)
			return
		}
		resp.Diagnostics.AddWarning(fmt.Sprintf("Incus %s Reset, Not Deleted", r.t.Title),
			fmt.Sprintf("Incus does not delete %s: what Terraform set on it was reset to the defaults, and it was removed from state.", r.t.describe(s, k)))
		return
	}
	if err := r.deleteConfirmed(ctx, s, k, &state); err != nil {
		fw.AddError(&resp.Diagnostics, r.t.summary("Delete"), err)
	}
}

// deleteAttempts bounds the deletes deleteConfirmed sends.
const deleteAttempts = 6

// deleteConfirmed deletes the object; one already gone is a success. A
// NotFound answer is believed only once a read confirms it: incusd 6.0.4
// answers 404 to an ACL delete whose usage scan met another ACL deleted at
// the same moment ("Failed getting ACL usage: Network ACL not found"),
// and the ACL is still there. Such a delete is sent again, so that nothing
// is left on the host that state no longer knows.
func (r *configResource[M, O]) deleteConfirmed(ctx context.Context, s incus.Scope, k Key, m *M) error {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := r.t.Delete(ctx, r.data.Incus, s, k, m)
		if err == nil || !incus.IsNotFound(err) {
			return err
		}
		_, gerr := r.t.Get(ctx, r.data.Incus, s, k)
		switch {
		case incus.IsNotFound(gerr):
			return nil // gone indeed
		case gerr != nil:
			return gerr
		case attempt == deleteAttempts:
			// Not wrapped: a NotFound in the chain would read as "gone".
			return fmt.Errorf("%s still exists after %d deletes that the server answered with not found (%s)", r.t.describe(s, k), attempt, err.Error())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s still exists: the server answered its delete with not found (%s), and the time to try again ran out", r.t.describe(s, k), err.Error())
		case <-time.After(delay + time.Duration(rand.Int64N(int64(delay)))): //nolint:gosec // jitter, so concurrent deletes do not meet again; no secret
		}
		delay = min(2*delay, time.Second)
	}
}

// ImportState takes `[remote:][project/]parents.../name`.
func (r *configResource[M, O]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	form := r.t.ImportIDForm()
	remote, project, names, err := form.Parse(req.ID)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Invalid Import ID for Incus %s", r.t.Title),
			fmt.Sprintf("Cannot import %q: %s. The import ID is %s, for example %q.", req.ID, err, form, form.Format("local", "default", form.Names...)))
		return
	}
	s := incus.Scope{Remote: remote, Project: project}
	k := Key{Parents: names[:len(names)-1], Name: names[len(names)-1]}
	if r.data != nil {
		resolved, err := r.data.Incus.Resolve(s)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Unknown Incus Remote in Import ID", err)
			return
		}
		s = resolved
		// Import of a missing object is an error, never an empty state.
		if _, err := r.t.Get(ctx, r.data.Incus, s, k); err != nil {
			fw.AddError(&resp.Diagnostics, fmt.Sprintf("Cannot Import Incus %s", r.t.Title), err)
			return
		}
	}
	set := func(attr, v string) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
	}
	set(r.t.nameAttribute(), k.Name)
	set("remote", s.Remote)
	if r.t.InProject {
		set("project", s.Project)
	}
	for i, p := range r.t.Parents {
		set(p.Attribute, k.Parents[i])
	}
}

// withoutUnknowns is a planned value with its unknowns made null: what can
// be saved in state when the object exists but could not be read back.
func withoutUnknowns(v tftypes.Value) tftypes.Value {
	out, _ := tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	return out
}

// matchesPlan reports whether the object as read is what the plan asked
// for: every value known in the plan is the same in state. A create whose
// answer was lost may have stopped half way (a snapshot made, its
// description not yet set).
func matchesPlan(plan, state tftypes.Value) bool {
	filled, err := tftypes.Transform(plan, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		got, _, err := tftypes.WalkAttributePath(state, p)
		if sv, ok := got.(tftypes.Value); err == nil && ok {
			return sv, nil
		}
		return v, nil
	})
	return err == nil && filled.Equal(state)
}
