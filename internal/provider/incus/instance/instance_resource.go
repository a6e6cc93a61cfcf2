package instance

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

var (
	_ resource.Resource                   = (*instanceResource)(nil)
	_ resource.ResourceWithConfigure      = (*instanceResource)(nil)
	_ resource.ResourceWithImportState    = (*instanceResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*instanceResource)(nil)
	_ resource.ResourceWithValidateConfig = (*instanceResource)(nil)
)

// instanceResource is rack_incus_instance: an Incus container or VM.
type instanceResource struct {
	data *providerdata.Data
}

func NewResource() resource.Resource { return &instanceResource{} }

func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_instance"
}

func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (r *instanceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Description: "An Incus instance (container or virtual machine). Created and started in one request, read in one request per refresh, renamed and reconfigured in place where Incus allows it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:    true,
				Description: "`remote:project/name`, the ID `terraform import` takes.",
			},
			"name": schema.StringAttribute{
				Required:    true,
				Description: "Instance name: 1-63 letters, digits and `-`, not starting or ending with `-`, not a number (Incus's rule, checked at plan time). Changing it renames the instance in place (stopping it for the rename when it runs).",
				Validators:  []validator.String{incusattr.InstanceNameValidator},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				Description: "Free-form description.",
			},
			"type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("container"),
				Description:   "`container` or `virtual-machine`. Defaults to `container`. Changing it replaces the instance.",
				Validators:    []validator.String{stringvalidator.OneOf("container", "virtual-machine")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"image": schema.StringAttribute{
				Optional: true,
				Description: "Image to create the instance from: `alias`, `fingerprint` (or a prefix of 12+ hex digits) on the instance's own remote, or `remote:alias` from a public image server remote (such as `images:debian/12`). " +
					"Exactly one of `image`, `source_instance` and `source_file` is set. " +
					"Naming another image replaces the instance (or rebuilds it in place with `image_change = \"rebuild\"`). Another name for the same image (a second alias, a fingerprint prefix, an image server alias that points at it) is looked up at plan time and changes nothing: " +
					"state keeps the earlier name and the plan stays empty. An alias that now points at a newer image names another image.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				// Replacement is decided in ModifyPlan, which compares fingerprints.
			},
			"profiles": schema.ListAttribute{
				ElementType: types.StringType, Optional: true, Computed: true,
				Description:   "Profiles to apply, in order. Defaults to the project's `default` profile; `[]` applies none.",
				Validators:    []validator.List{listvalidator.UniqueValues()},
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"config": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				Description: "Instance configuration keys (`limits.cpu`, `user.*`, ...; see Incus's [instance options](https://linuxcontainers.org/incus/docs/main/reference/instance_options/)). Keys set outside Terraform show as drift; keys Incus manages itself (`volatile.*`, `image.*`) do not.",
				Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})},
			},
			"devices": incusattr.DevicesAttribute("instance", "Devices of the instance itself (devices from profiles are not listed)"),
			"ephemeral": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Whether Incus deletes the instance when it stops. Defaults to `false`.",
			},
			"running": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Desired power state. Defaults to `true`. An instance stopped outside Terraform shows as a change to `running`.",
			},
			"stop_timeout": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultStopTimeout),
				Description: "Seconds a clean shutdown may take when the instance is stopped or destroyed; after that it is stopped by force. 0 forces at once. Defaults to `30`.",
				Validators:  []validator.Int64{int64validator.Between(0, 3600)},
			},
			"target": schema.StringAttribute{
				Optional:      true,
				Description:   "Cluster member to create the instance on. Changing it replaces the instance.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"project": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   "Incus project. Defaults to the remote's project, else `default`. Changing it replaces the instance.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"remote": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   "Incus remote (see the provider's `incus_remote` blocks). Defaults to the provider's default remote. Changing it replaces the instance.",
				Validators:    []validator.String{fw.BlockNameValidator},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"wait_for": schema.ListNestedAttribute{
				Optional:    true,
				Description: "Conditions to wait for, in order, each time Terraform starts the instance, within the create or update timeout. A condition that cannot come true fails at once and says why: an address on an instance with no network device, the agent of a container (at plan time when the configuration shows it).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{Required: true,
						Description: "`ipv4` or `ipv6` (a global address, which needs a nic device of its own or from a profile), `agent` (the VM agent runs: virtual machines only), " +
							"`ready` (status Ready, which the instance reports itself through /dev/incus, so not with `security.guestapi = false`), " +
							"`cloud-init` (cloud-init finished: runs `cloud-init status --wait --long` in the instance, and fails with cloud-init's own errors when it reports status error, or at once when the image has no cloud-init), or `delay`.",
						Validators: []validator.String{stringvalidator.OneOf("ipv4", "ipv6", "agent", "ready", "cloud-init", "delay")}},
					"nic": schema.StringAttribute{Optional: true, Description: "For `ipv4`/`ipv6`: the interface that must have the address, by its name inside the instance (`eth0`); any by default. In a container, a name no NIC has fails at once."},
					"delay": schema.StringAttribute{Optional: true, Description: "For `delay`: how long, as a Go duration (`10s`).",
						Validators: []validator.String{fw.DurationValidator{}}},
				}},
			},
			"files":             filesAttribute(),
			"execs":             execsAttribute(),
			"status":            schema.StringAttribute{Computed: true, Description: "Status Incus reports: Running, Stopped, Frozen, Error, Ready."},
			"ipv4_address":      schema.StringAttribute{Computed: true, Description: "First global IPv4 address of the primary interface (eth0 when present); empty when none."},
			"ipv6_address":      schema.StringAttribute{Computed: true, Description: "First global IPv6 address of the primary interface; empty when none."},
			"mac_address":       schema.StringAttribute{Computed: true, Description: "MAC address of the primary interface; empty when none."},
			"architecture":      schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Architecture, e.g. x86_64."},
			"created_at":        schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Creation time (RFC 3339)."},
			"image_fingerprint": schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Fingerprint of the image the instance was created from."},
			"interfaces": schema.MapNestedAttribute{
				Computed:    true,
				Description: "Network interfaces of the running instance, by name (loopback excluded).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"mac_address":    schema.StringAttribute{Computed: true, Description: "MAC address."},
					"ipv4_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Global IPv4 addresses."},
					"ipv6_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Global IPv6 addresses."},
				}},
			},
			"timeouts": fw.TimeoutsAttribute(ctx, instanceTimeouts),
		},
	}
	maps.Copy(resp.Schema.Attributes, sourceAttributes())
}

func (r *instanceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var files types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("files"), &files)...)
	validateFiles(ctx, files, &resp.Diagnostics)
	var waits types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("wait_for"), &waits)...)
	if waits.IsNull() || waits.IsUnknown() {
		return
	}
	var items []waitForModel
	resp.Diagnostics.Append(waits.ElementsAs(ctx, &items, false)...)
	for i, w := range items {
		p := path.Root("wait_for").AtListIndex(i)
		if w.Type.ValueString() == "delay" && w.Delay.IsNull() {
			resp.Diagnostics.AddAttributeError(p.AtName("delay"), "Missing delay", `wait_for of type "delay" needs a delay, such as "10s".`)
		}
		if w.Type.ValueString() != "delay" && !w.Delay.IsNull() {
			resp.Diagnostics.AddAttributeError(p.AtName("delay"), "Unexpected delay", `delay only applies to wait_for of type "delay".`)
		}
		if !w.NIC.IsNull() && w.Type.ValueString() != "ipv4" && w.Type.ValueString() != "ipv6" {
			resp.Diagnostics.AddAttributeError(p.AtName("nic"), "Unexpected nic", `nic only applies to wait_for of type "ipv4" or "ipv6".`)
		}
	}
	// What the configuration alone shows cannot happen; the rest (devices
	// from profiles, the instance's actual interfaces) is checked right
	// after the start, by the client's WaitFor.
	var instType types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("type"), &instType)...)
	container := instType.IsNull() || instType.ValueString() == "container" // the default is container
	for i, w := range items {
		p := path.Root("wait_for").AtListIndex(i).AtName("type")
		switch w.Type.ValueString() {
		case "agent":
			if container && !instType.IsUnknown() {
				defaulted := ""
				if instType.IsNull() {
					defaulted = ` (type defaults to "container")`
				}
				resp.Diagnostics.AddAttributeError(p, "No VM Agent in a Container",
					`wait_for of type "agent" waits for the Incus agent, which only virtual machines run; this instance is a container`+defaulted+`. `+
						`Wait for "ready" or an address instead, or set type = "virtual-machine".`)
			}
		case "ipv4", "ipv6":
			if noNetworkDevice(ctx, req, &resp.Diagnostics) {
				resp.Diagnostics.AddAttributeError(p, "No Network Device",
					fmt.Sprintf(`wait_for of type %q waits for an address, but the instance has no network device: profiles = [] applies no profile, and devices has no nic. `+
						`Add a nic device or a profile with one, or remove this wait_for condition.`, w.Type.ValueString()))
			}
		}
	}
}

// noNetworkDevice reports whether the configuration surely gives the
// instance no network device: no profiles (`profiles = []`) and no nic or
// infiniband among its own devices, all known at plan time.
func noNetworkDevice(ctx context.Context, req resource.ValidateConfigRequest, diags *diag.Diagnostics) bool {
	var profiles types.List
	var devices types.Set
	diags.Append(req.Config.GetAttribute(ctx, path.Root("profiles"), &profiles)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("devices"), &devices)...)
	if profiles.IsNull() || profiles.IsUnknown() || len(profiles.Elements()) > 0 || devices.IsUnknown() {
		return false
	}
	var devs []incusattr.DeviceModel
	if !devices.IsNull() {
		diags.Append(devices.ElementsAs(ctx, &devs, false)...)
	}
	for _, d := range devs {
		if d.Type.IsUnknown() || d.Type.ValueString() == "nic" || d.Type.ValueString() == "infiniband" {
			return false
		}
	}
	return true
}

// ModifyPlan resolves the remote and project at plan time (so the plan shows
// where the instance goes and an unknown remote fails before apply), and
// marks runtime attributes unknown only when the instance will change.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or provider not configured yet
	}
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !incusattr.PlanScope(ctx, r.data.Incus, req, &resp.Diagnostics, &plan.Remote, &plan.Project) {
		return
	}
	if !plan.Name.IsUnknown() && !plan.Remote.IsUnknown() && !plan.Project.IsUnknown() {
		plan.ID = types.StringValue(incus.ImportID(incus.Scope{Remote: plan.Remote.ValueString(), Project: plan.Project.ValueString()}, plan.Name.ValueString()))
	}
	if !req.State.Raw.IsNull() {
		var state instanceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		changing := !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) ||
			!plan.Profiles.Equal(state.Profiles) || !plan.Config.Equal(state.Config) ||
			!incusattr.SameDevices(plan.Devices, state.Devices) || !plan.Ephemeral.Equal(state.Ephemeral) || !plan.Running.Equal(state.Running)
		if !changing {
			plan.Status, plan.IPv4Address, plan.IPv6Address = state.Status, state.IPv4Address, state.IPv6Address
			plan.MACAddress, plan.Interfaces = state.MACAddress, state.Interfaces
		}
		if plan.Remote.IsUnknown() {
			plan.Remote = state.Remote
		}
		r.planImage(ctx, &plan, &state, resp)
	}
	r.planDayTwo(ctx, req, resp, &plan)
	r.planSources(ctx, req, &plan, resp)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planImage decides what a changed `image` string means for an existing
// instance: it looks the configured reference up (read only) and compares its
// fingerprint with the one the instance was made from.
//
//   - Same image (a second alias, a fingerprint prefix, an image server alias
//     of it, or the alias Read picked after an import): the planned value is
//     the prior one. Terraform accepts a planned value equal to the prior
//     state instead of the configuration, even for a non-computed attribute
//     (that is how it treats semantically equal values), so the plan is empty
//     and apply sends nothing. The price: state keeps the earlier name of
//     the image. Planning the configured string instead would be an in-place
//     update that only records it, a change shown in the plan for nothing.
//   - Another image: replace.
//   - Not found: replace, with a warning. It is not a plan error, since the
//     image may come to exist during the apply; if it does not, the create
//     fails and names the reference.
//   - The lookup failed otherwise (server unreachable, refused, unknown
//     remote): an error. Replacing on a guess would destroy the instance, and
//     its create would need the same server.
func (r *instanceResource) planImage(ctx context.Context, plan, state *instanceModel, resp *resource.ModifyPlanResponse) {
	if plan.Image.Equal(state.Image) || sourced(plan) {
		return // a copy or a restored backup: planSources decides
	}
	replace := func() {
		if !planRebuild(plan, state) { // image_change = "rebuild": an update instead
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("image"))
		}
	}
	made := state.ImageFingerprint.ValueString()
	// Only for an instance that stays where it is: a new remote or project
	// is a new instance, whose image is looked up there at create.
	if plan.Image.IsUnknown() || r.data == nil || made == "" ||
		!plan.Remote.Equal(state.Remote) || !plan.Project.Equal(state.Project) || !plan.Type.Equal(state.Type) {
		replace()
		return
	}
	ctx, cancel := fw.Begin(ctx, plan.Timeouts.Read, instanceTimeouts.Read, &resp.Diagnostics)
	defer cancel()

	ref := plan.Image.ValueString()
	fp, err := r.data.Incus.ResolveImage(ctx, state.scope(), incus.ParseImage(ref), state.Type.ValueString(), state.Architecture.ValueString())
	switch {
	case err == nil && fp == made:
		if !state.Image.IsNull() && state.Image.ValueString() != "" {
			plan.Image = state.Image
		}
		// With no prior name the configured one is planned: an update that
		// only records it (Update sends nothing for the image).
	case err == nil:
		replace()
	case incus.IsNotFound(err):
		// Replacing would destroy the instance and then fail to create it:
		// refuse at plan time. (An image made in the same apply is unknown
		// here and is not looked up.)
		resp.Diagnostics.AddAttributeError(path.Root("image"), "Incus Image Not Found",
			fmt.Sprintf("Instance %q was created from image %s; the new image %q names no image it could be created from, so the plan would destroy it and then fail. Correct the reference, or create or copy the image first.\n\n%s",
				state.Name.ValueString(), made, ref, fw.ErrorDetail(err)))
	default:
		resp.Diagnostics.AddAttributeError(path.Root("image"), "Unable to Look Up Incus Image",
			fmt.Sprintf("The image changed from %q to %q. To tell whether %q still names the image instance %q was created from (%s), the provider looked it up and could not; "+
				"it does not replace the instance on a guess. Fix the cause below, or set image back to %q.\n\n%s",
				state.Image.ValueString(), ref, ref, state.Name.ValueString(), made, state.Image.ValueString(), fw.ErrorDetail(err)))
	}
}

func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, plan.Timeouts.Create, instanceTimeouts.Create, &resp.Diagnostics)
	defer cancel()
	if sourced(&plan) {
		r.createFromSource(ctx, &plan, resp)
		return
	}

	spec := incus.InstanceSpec{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Type:        plan.Type.ValueString(),
		Image:       incus.ParseImage(plan.Image.ValueString()),
		Profiles:    fw.StringList(ctx, plan.Profiles, &resp.Diagnostics),
		Config:      fw.StringMap(ctx, plan.Config, &resp.Diagnostics),
		Devices:     incusattr.DevicesToAPI(ctx, plan.Devices, &resp.Diagnostics),
		Ephemeral:   plan.Ephemeral.ValueBool(),
		Start:       plan.Running.ValueBool(),
		Target:      plan.Target.ValueString(),
	}
	conds := waitConditions(ctx, plan.WaitFor, &resp.Diagnostics)
	day2 := beginDayTwo(ctx, &plan, nil, &spec, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := plan.scope()
	inst, err := r.data.Incus.CreateInstance(ctx, scope, spec)
	if inst != nil {
		// The instance exists even if starting it failed: keep it in state
		// (Terraform marks it tainted) so that it is never orphaned.
		plan.applyInstance(inst, incusattr.ResolvedScope(r.data.Incus, scope))
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil && inst != nil && inst.Running() == spec.Start && clienterr.IsConnection(err) {
		// The answer was lost, but the instance was found made as asked:
		// the create finished.
		resp.Diagnostics.AddWarning("Incus Connection Lost During Create",
			fmt.Sprintf("%s was found created and %s after the connection to Incus was lost, and is saved in state.\n\n%s",
				fw.Capitalize(describeInstance(&plan)), inst.Status, err))
		err = nil
	}
	if err != nil {
		detail := fw.ErrorDetail(err)
		if inst != nil {
			detail = fmt.Sprintf("%s exists, but its create did not finish as asked or within the timeout: it is saved in state as tainted (status %s), and the next apply replaces it.\n\n%s",
				fw.Capitalize(describeInstance(&plan)), inst.Status, detail)
		}
		resp.Diagnostics.AddError("Unable to Create Incus Instance", detail)
		return
	}
	if spec.Start && len(conds) > 0 && !clienterr.Interrupted(ctx) {
		if err := r.data.Incus.WaitFor(ctx, scope, spec.Name, conds); err != nil && !clienterr.Interrupted(ctx) {
			resp.Diagnostics.AddError("Incus Instance Did Not Become Ready",
				fmt.Sprintf("%s was created and started, but its wait_for conditions were not met: it is saved in state as tainted, and the next apply replaces it.\n\n%s",
					fw.Capitalize(describeInstance(&plan)), fw.ErrorDetail(err)))
			return
		}
		r.readInto(ctx, &plan, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if !r.finishCreate(ctx, &plan, day2, conds, resp) {
		return
	}
	now := fmt.Sprintf("%s was created and is %s", describeInstance(&plan), plan.Status.ValueString())
	if len(conds) > 0 {
		now += " (its wait_for conditions were not waited for)"
	}
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, now)
}

// describeInstance names an instance of the model for diagnostics.
func describeInstance(m *instanceModel) string {
	return fmt.Sprintf("instance %q (project %q, remote %q)", m.Name.ValueString(), m.Project.ValueString(), m.Remote.ValueString())
}

// readInto refreshes the model from the server.
func (r *instanceResource) readInto(ctx context.Context, m *instanceModel, diags interface {
	AddError(string, string)
}) bool {
	scope := m.scope()
	inst, err := r.data.Incus.GetInstanceAfterChange(ctx, scope, m.Name.ValueString())
	if err != nil {
		diags.AddError("Unable to Read Incus Instance", fw.ErrorDetail(err))
		return false
	}
	m.applyInstance(inst, incusattr.ResolvedScope(r.data.Incus, scope))
	return true
}

func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, state.Timeouts.Read, instanceTimeouts.Read, &resp.Diagnostics)
	defer cancel()

	scope := state.scope()
	inst, err := r.data.Incus.GetInstance(ctx, scope, state.Name.ValueString())
	if incus.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Incus Instance Removed From State",
			fmt.Sprintf("Instance %q (project %q, remote %q) no longer exists; it was removed from state and will be recreated on the next apply.",
				state.Name.ValueString(), state.Project.ValueString(), state.Remote.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Instance", err)
		return
	}
	scope = incusattr.ResolvedScope(r.data.Incus, scope)
	state.applyInstance(inst, scope)
	r.readFiles(ctx, &state, &resp.Diagnostics)
	if (state.Image.IsNull() || state.Image.ValueString() == "") && !sourced(&state) {
		// After import: name the image by its local alias when it has one.
		state.Image = types.StringValue(inst.ImageFingerprint)
		if inst.ImageFingerprint != "" {
			if alias, err := r.data.Incus.ImageAlias(ctx, scope, inst.ImageFingerprint); err == nil && alias != "" {
				state.Image = types.StringValue(alias)
			}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, plan.Timeouts.Update, instanceTimeouts.Update, &resp.Diagnostics)
	defer cancel()

	scope := plan.scope()
	name := state.Name.ValueString()
	running := startedStatus(state.Status.ValueString())
	frozen := state.Status.ValueString() == "Frozen"
	graceful := time.Duration(plan.StopTimeout.ValueInt64()) * time.Second
	client := r.data.Incus
	day2 := beginDayTwo(ctx, &plan, &state, nil, &resp.Diagnostics)

	// Whatever happens below, record what the server ends up with, even
	// after an interrupt (on a context the interrupt does not cancel).
	defer func() {
		readCtx, cancel := clienterr.Detach(ctx)
		defer cancel()
		if renaming := plan.Name.ValueString(); renaming != state.Name.ValueString() {
			// Whatever the rename step returned, state follows the name
			// the instance has on the server.
			if actual, err := client.InstanceName(readCtx, scope, state.Name.ValueString(), renaming); err == nil {
				name = actual
			}
		}
		plan.Name = types.StringValue(name)
		if r.readInto(readCtx, &plan, &resp.Diagnostics) {
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			fw.WarnIfInterrupted(ctx, &resp.Diagnostics, fmt.Sprintf("%s is %s", describeInstance(&plan), plan.Status.ValueString()))
			return
		}
		// Unreadable: keep what was known before rather than the plan.
		state.Name = types.StringValue(name)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}()

	if newName := plan.Name.ValueString(); newName != name {
		if running {
			if err := client.StopInstance(ctx, scope, name, graceful); err != nil {
				fw.AddError(&resp.Diagnostics, "Unable to Stop Incus Instance for Rename", err)
				return
			}
			running, frozen = false, false
		}
		if err := client.RenameInstance(ctx, scope, name, newName); err != nil {
			if clienterr.OutcomeUnknown(err) {
				// The rename may have happened (a lost connection, a
				// timeout): state must follow the server.
				readCtx, cancel := clienterr.Detach(ctx)
				name, _ = client.InstanceName(readCtx, scope, name, newName)
				cancel()
			}
			fw.AddAttributeError(&resp.Diagnostics, path.Root("name"), "Unable to Rename Incus Instance", err)
			return
		}
		name = newName
	}

	if !r.rebuildIfChanged(ctx, &plan, &state, name, &running, &frozen, resp) {
		return
	}

	if !plan.Description.Equal(state.Description) || !plan.Profiles.Equal(state.Profiles) || !plan.Config.Equal(state.Config) ||
		!incusattr.SameDevices(plan.Devices, state.Devices) || !plan.Ephemeral.Equal(state.Ephemeral) {
		update := incus.InstanceUpdate{
			Description: plan.Description.ValueString(),
			Profiles:    fw.StringList(ctx, plan.Profiles, &resp.Diagnostics),
			Config:      fw.StringMap(ctx, plan.Config, &resp.Diagnostics),
			Devices:     incusattr.DevicesToAPI(ctx, plan.Devices, &resp.Diagnostics),
			Ephemeral:   plan.Ephemeral.ValueBool(),
		}
		if update.Profiles == nil {
			update.Profiles = fw.StringList(ctx, state.Profiles, &resp.Diagnostics)
		}
		if resp.Diagnostics.HasError() {
			return
		}
		if !r.updateInstance(ctx, &plan, name, update, &running, &frozen, resp) {
			return
		}
	}

	if !r.pushFiles(ctx, &plan, name, day2, &resp.Diagnostics) {
		return
	}
	switch want := plan.Running.ValueBool(); {
	case want && frozen:
		// Frozen (paused) reads as not running; resume it.
		if err := client.UnfreezeInstance(ctx, scope, name); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Unfreeze Incus Instance", err)
			return
		}
	case want && !running:
		if err := client.StartInstance(ctx, scope, name); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Start Incus Instance", err)
			return
		}
		conds := waitConditions(ctx, plan.WaitFor, &resp.Diagnostics)
		if err := client.WaitFor(ctx, scope, name, conds); err != nil {
			fw.AddError(&resp.Diagnostics, "Incus Instance Did Not Become Ready", err)
			return
		}
	case !want && running:
		if err := client.StopInstance(ctx, scope, name, graceful); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Stop Incus Instance", err)
			return
		}
	}
	r.runExecs(ctx, &plan, name, day2, &resp.Diagnostics)
}

func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, state.Timeouts.Delete, instanceTimeouts.Delete, &resp.Diagnostics)
	defer cancel()

	running := startedStatus(state.Status.ValueString())
	graceful := time.Duration(state.StopTimeout.ValueInt64()) * time.Second
	if err := r.data.Incus.DeleteInstance(ctx, state.scope(), state.Name.ValueString(), running, graceful); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Delete Incus Instance", err)
	}
}

func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	remote, project, names, err := incusattr.InstanceImportID.Parse(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q is not an instance import ID: %s. Use [remote:][project/]name, for example local:default/web.", req.ID, err))
		return
	}
	name := names[0]
	scope := incus.Scope{Remote: remote, Project: project}
	if r.data != nil {
		resolved, err := r.data.Incus.Resolve(scope)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Unknown Incus Remote in Import ID", err)
			return
		}
		scope = resolved
		// Import of a missing instance is an error, never an empty state.
		if _, err := r.data.Incus.GetInstance(ctx, scope, name); err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import Incus Instance", err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("remote"), scope.Remote)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), scope.Project)...)
}

// startedStatus reports whether an instance in this status has been started
// (a frozen instance is started but paused) and so must be stopped.
func startedStatus(status string) bool {
	return status == "Running" || status == "Ready" || status == "Frozen"
}

// instanceTimeouts are the default timeouts of rack_incus_instance.
var instanceTimeouts = fw.TimeoutDefaults{Create: 10 * time.Minute, Read: 2 * time.Minute, Update: 10 * time.Minute, Delete: 10 * time.Minute}
