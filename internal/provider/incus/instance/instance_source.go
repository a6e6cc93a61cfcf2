package instance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

var _ resource.ResourceWithConfigValidators = (*instanceResource)(nil)

// sourceInstanceModel is the source_instance attribute.
type sourceInstanceModel struct {
	Name     types.String `tfsdk:"name"`
	Snapshot types.String `tfsdk:"snapshot"`
	Project  types.String `tfsdk:"project"`
	Remote   types.String `tfsdk:"remote"`
}

var sourceInstanceAttrTypes = map[string]attr.Type{
	"name": types.StringType, "snapshot": types.StringType, "project": types.StringType, "remote": types.StringType,
}

// sourceAttributes are the schema entries of the instance's sources other
// than an image, and of how changes are applied.
func sourceAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"source_instance": schema.SingleNestedAttribute{
			Optional: true,
			Description: "Create the instance as a copy of another instance, or of one of its snapshots, on the same remote (the source may be in another project). " +
				"The copy then takes this resource's `description`, `profiles`, `config` and `devices`: keys and devices of the source that the configuration lacks are dropped. " +
				"`type` must match the source's. Changing the source replaces the instance; setting it on an instance that has none (after an import) only records it.",
			Attributes: map[string]schema.Attribute{
				"name":     schema.StringAttribute{Required: true, Description: "Name of the source instance.", Validators: []validator.String{incusattr.InstanceNameValidator}},
				"snapshot": schema.StringAttribute{Optional: true, Description: "Snapshot of the source instance to copy; the instance itself when unset.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"project":  schema.StringAttribute{Optional: true, Description: "Project of the source instance; this instance's project when unset.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"remote": schema.StringAttribute{Optional: true,
					Description: "Remote of the source instance. Only this instance's own remote is supported (a copy between servers is a migration: use `incus copy`, then import); another remote fails at plan time.",
					Validators:  []validator.String{fw.BlockNameValidator}},
			},
			PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplaceIf(sourceChanged,
				"Changing the source replaces the instance.", "Changing the source replaces the instance.")},
		},
		"source_file": schema.StringAttribute{
			Optional: true,
			Description: "Path of an instance backup tarball (what `incus export` writes) to restore the instance from, under this resource's `name`. The file is streamed to Incus, never read whole into memory. " +
				"The restored instance then takes this resource's `description`, `profiles`, `config` and `devices`, and `type` must match the backup's. " +
				"A change of the file's content (its SHA-256, see `source_file_sha256`) replaces the instance; another path to the same content changes nothing.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"source_file_sha256": schema.StringAttribute{
			Computed:    true,
			Description: "SHA-256 of `source_file`, computed at plan time: the trigger for replacing the instance.",
		},
		"image_change": schema.StringAttribute{
			Optional: true, Computed: true, Default: stringdefault.StaticString("replace"),
			Description: "What a change of `image` to another image does: `replace` destroys the instance and creates a new one; `rebuild` rebuilds it in place (Incus keeps its name, configuration and volumes and swaps the root file system; " +
				"a running instance is stopped for it and started again). `rebuild` needs the server's API extension `instances_rebuild`. Defaults to `replace`.",
			Validators: []validator.String{stringvalidator.OneOf("replace", "rebuild")},
		},
		"restart_on_change": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			Description: "When Incus refuses a change on the running instance (devices that cannot be hot-plugged, such as ipvlan NICs; VM keys outside Incus's live-update list), stop it, apply the change and start it again. " +
				"Without it such a change fails and says so. Defaults to `false`.",
		},
	}
}

// ConfigValidators: exactly one source.
func (r *instanceResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("image"), path.MatchRoot("source_instance"), path.MatchRoot("source_file")),
	}
}

// sourceChanged replaces the instance when an existing source changes; a
// source set where state has none (an import, which cannot tell how the
// instance was made) is only recorded.
func sourceChanged(_ context.Context, req planmodifier.ObjectRequest, resp *objectplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull()
}

// sourced reports whether the model's instance comes from a copy or a backup.
func sourced(m *instanceModel) bool {
	return !m.SourceInstance.IsNull() || !m.SourceFile.IsNull()
}

// applySourceDefaults fills what the server cannot tell after an import.
func (m *instanceModel) applySourceDefaults() {
	if m.ImageChange.IsNull() || m.ImageChange.IsUnknown() {
		m.ImageChange = types.StringValue("replace")
	}
	if m.RestartOnChange.IsNull() || m.RestartOnChange.IsUnknown() {
		m.RestartOnChange = types.BoolValue(false)
	}
	if m.SourceInstance.IsUnknown() {
		m.SourceInstance = types.ObjectNull(sourceInstanceAttrTypes)
	}
	if m.SourceFileSHA256.IsUnknown() {
		m.SourceFileSHA256 = types.StringNull()
	}
}

// planSources checks the sources at plan time: a source on another remote
// is refused, and the backup file's SHA-256 is computed (streaming) and
// compared with the one the instance was restored from.
func (r *instanceResource) planSources(ctx context.Context, req resource.ModifyPlanRequest, plan *instanceModel, resp *resource.ModifyPlanResponse) {
	var state *instanceModel
	if !req.State.Raw.IsNull() {
		state = &instanceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if src, ok := sourceInstanceOf(ctx, plan.SourceInstance, &resp.Diagnostics); ok && !src.Remote.IsNull() && !src.Remote.IsUnknown() && !plan.Remote.IsUnknown() &&
		src.Remote.ValueString() != plan.Remote.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("source_instance").AtName("remote"), "Copy Between Incus Remotes Not Supported",
			fmt.Sprintf("source_instance is on remote %q and this instance on remote %q. rack_incus_instance copies only within one remote (any project); "+
				"a copy between servers is a migration. Copy it with `incus copy %s:%s %s:%s`, then import it, or make the copy on remote %q.",
				src.Remote.ValueString(), plan.Remote.ValueString(), src.Remote.ValueString(), src.Name.ValueString(), plan.Remote.ValueString(), plan.Name.ValueString(), src.Remote.ValueString()))
	}

	switch {
	case plan.SourceFile.IsNull():
		plan.SourceFileSHA256 = types.StringNull()
	case plan.SourceFile.IsUnknown():
		plan.SourceFileSHA256 = types.StringUnknown()
	default:
		sum, err := fileSHA256(plan.SourceFile.ValueString())
		switch {
		case err == nil:
			plan.SourceFileSHA256 = types.StringValue(sum)
		case state != nil && !state.SourceFileSHA256.IsNull():
			// The instance exists; a backup file removed since is no
			// reason to replace it.
			plan.SourceFileSHA256 = state.SourceFileSHA256
			resp.Diagnostics.AddAttributeWarning(path.Root("source_file"), "Backup File Not Readable",
				fmt.Sprintf("The instance was restored from a file with SHA-256 %s; %s. Nothing changes until the file can be read again.", state.SourceFileSHA256.ValueString(), err))
		default:
			resp.Diagnostics.AddAttributeError(path.Root("source_file"), "Backup File Not Readable",
				fmt.Sprintf("The instance is to be restored from this file, but %s.", err))
		}
	}
	if state == nil {
		return
	}
	if !state.SourceFileSHA256.IsNull() && !plan.SourceFileSHA256.Equal(state.SourceFileSHA256) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("source_file"))
	}
	if !state.SourceFileSHA256.IsNull() && plan.SourceFile.IsNull() && !plan.Image.IsNull() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("image"))
	}
}

// fileSHA256 hashes a file as it reads it.
func fileSHA256(name string) (string, error) {
	f, err := os.Open(name) //nolint:gosec // the path is the user's configuration
	if err != nil {
		return "", fmt.Errorf("it cannot be opened: %w", err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("it cannot be read: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sourceInstanceOf(ctx context.Context, o types.Object, diags *diag.Diagnostics) (sourceInstanceModel, bool) {
	var m sourceInstanceModel
	if o.IsNull() || o.IsUnknown() {
		return m, false
	}
	diags.Append(o.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	return m, !diags.HasError()
}

// createFromSource creates the instance as a copy or from a backup, then
// gives it the configuration's description, profiles, config and devices
// (the source brings its own), and starts it when asked.
func (r *instanceResource) createFromSource(ctx context.Context, plan *instanceModel, resp *resource.CreateResponse) {
	client := r.data.Incus
	scope := plan.scope()
	name := plan.Name.ValueString()
	conds := waitConditions(ctx, plan.WaitFor, &resp.Diagnostics)
	day2 := beginDayTwo(ctx, plan, nil, nil, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var (
		inst    *incus.Instance
		err     error
		srcPath = path.Root("source_instance")
	)
	if src, ok := sourceInstanceOf(ctx, plan.SourceInstance, &resp.Diagnostics); ok {
		if r := src.Remote.ValueString(); r != "" && r != plan.Remote.ValueString() {
			// Unknown at plan time, so not refused then.
			resp.Diagnostics.AddAttributeError(path.Root("source_instance").AtName("remote"), "Copy Between Incus Remotes Not Supported",
				fmt.Sprintf("source_instance is on remote %q and this instance on remote %q; rack_incus_instance copies only within one remote. Nothing was created.", r, plan.Remote.ValueString()))
			return
		}
		inst, err = client.CopyInstance(ctx, scope, incus.InstanceSpec{
			Name:        name,
			Description: plan.Description.ValueString(),
			Type:        plan.Type.ValueString(),
			Profiles:    fw.StringList(ctx, plan.Profiles, &resp.Diagnostics),
			Config:      fw.StringMap(ctx, plan.Config, &resp.Diagnostics),
			Devices:     incusattr.DevicesToAPI(ctx, plan.Devices, &resp.Diagnostics),
			Ephemeral:   plan.Ephemeral.ValueBool(),
			Target:      plan.Target.ValueString(),
			Copy:        &incus.CopySource{Name: src.Name.ValueString(), Snapshot: src.Snapshot.ValueString(), Project: src.Project.ValueString()},
		})
	} else {
		if resp.Diagnostics.HasError() {
			return
		}
		srcPath = path.Root("source_file")
		f, oerr := os.Open(plan.SourceFile.ValueString())
		if oerr != nil {
			resp.Diagnostics.AddAttributeError(srcPath, "Backup File Not Readable", oerr.Error())
			return
		}
		defer func() { _ = f.Close() }()
		inst, err = client.CreateInstanceFromBackup(ctx, scope, name, f)
	}
	resolved := incusattr.ResolvedScope(client, scope)
	save := func() { // the plan itself still holds what is to be applied
		saved := *plan
		saved.applyInstance(inst, resolved)
		resp.Diagnostics.Append(resp.State.Set(ctx, &saved)...)
	}
	if inst != nil {
		save() // never orphaned: an error below leaves it tainted
	}
	if err != nil && inst != nil && clienterr.IsConnection(err) {
		// The answer was lost, but the instance was found made (the
		// request never starts it): the create finished.
		resp.Diagnostics.AddWarning("Incus Connection Lost During Create",
			fmt.Sprintf("%s was found created after the connection to Incus was lost, and is saved in state.\n\n%s", fw.Capitalize(describeInstance(plan)), err))
		err = nil
	}
	if err != nil {
		detail := fw.ErrorDetail(err)
		if inst != nil {
			detail = fmt.Sprintf("%s exists, but its create did not finish as asked or within the timeout: it is saved in state as tainted (status %s), and the next apply replaces it.\n\n%s",
				fw.Capitalize(describeInstance(plan)), inst.Status, detail)
		}
		resp.Diagnostics.AddAttributeError(srcPath, "Unable to Create Incus Instance", detail)
		return
	}
	if inst.Type != plan.Type.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("type"), "Incus Instance Type Differs From Its Source",
			fmt.Sprintf("%s was made a %s by its source, but type is %q: set type = %q. It is saved in state as tainted.", fw.Capitalize(describeInstance(plan)), inst.Type, plan.Type.ValueString(), inst.Type))
		return
	}

	// The configuration wins over what the source brought.
	update := incus.InstanceUpdate{
		Description: plan.Description.ValueString(),
		Profiles:    fw.StringList(ctx, plan.Profiles, &resp.Diagnostics),
		Config:      fw.StringMap(ctx, plan.Config, &resp.Diagnostics),
		Devices:     incusattr.DevicesToAPI(ctx, plan.Devices, &resp.Diagnostics),
		Ephemeral:   plan.Ephemeral.ValueBool(),
	}
	if update.Profiles == nil {
		update.Profiles = inst.Profiles
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if !sameInstance(inst, update) {
		if err := client.UpdateInstance(ctx, scope, name, update); err != nil {
			resp.Diagnostics.AddError("Unable to Configure Incus Instance",
				fmt.Sprintf("%s was created from its source, but the configuration could not be applied to it: it is saved in state as tainted, and the next apply replaces it.\n\n%s",
					fw.Capitalize(describeInstance(plan)), fw.ErrorDetail(err)))
			r.readInto(ctx, plan, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
			return
		}
	}
	// A copy is made stopped: files go up before a container starts, and
	// after a VM starts (its agent takes them); execs run once it runs.
	if plan.Running.ValueBool() && plan.Type.ValueString() == "virtual-machine" {
		// After an interrupt the start is not sent, and its error says so.
		if err := client.StartInstance(ctx, scope, name); err != nil {
			resp.Diagnostics.AddError("Unable to Start Incus Instance",
				fmt.Sprintf("%s was created from its source but did not start: it is saved in state as tainted, and the next apply replaces it.\n\n%s", fw.Capitalize(describeInstance(plan)), fw.ErrorDetail(err)))
		} else if err := client.WaitFor(ctx, scope, name, conds); err != nil && !clienterr.Interrupted(ctx) {
			resp.Diagnostics.AddError("Incus Instance Did Not Become Ready",
				fmt.Sprintf("%s was created and started, but its wait_for conditions were not met: it is saved in state as tainted, and the next apply replaces it.\n\n%s",
					fw.Capitalize(describeInstance(plan)), fw.ErrorDetail(err)))
		}
	} else {
		day2.deferredStart = plan.Running.ValueBool()
	}
	if resp.Diagnostics.HasError() {
		r.readInto(ctx, plan, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	if !r.finishCreate(ctx, plan, day2, conds, resp) {
		return
	}
	readCtx, cancel := clienterr.Detach(ctx)
	defer cancel()
	if r.readInto(readCtx, plan, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, fmt.Sprintf("%s was created and is %s", describeInstance(plan), plan.Status.ValueString()))
}

// sameInstance reports whether inst already has what u would set.
func sameInstance(inst *incus.Instance, u incus.InstanceUpdate) bool {
	if inst.Description != u.Description || inst.Ephemeral != u.Ephemeral || len(inst.Profiles) != len(u.Profiles) {
		return false
	}
	for i := range u.Profiles {
		if inst.Profiles[i] != u.Profiles[i] {
			return false
		}
	}
	user := inst.UserConfig()
	if len(user) != len(u.Config) || len(inst.Devices) != len(u.Devices) {
		return false
	}
	for k, v := range u.Config {
		if got, ok := user[k]; !ok || got != v {
			return false
		}
	}
	for name, d := range u.Devices {
		got, ok := inst.Devices[name]
		if !ok || len(got) != len(d) {
			return false
		}
		for k, v := range d {
			if got[k] != v {
				return false
			}
		}
	}
	return true
}
