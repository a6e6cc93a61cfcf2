package pikvm

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

var (
	_ resource.ResourceWithImportState = (*powerResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*powerResource)(nil)
)

// powerResource is rack_pikvm_power: the desired power state of the
// machine behind a PiKVM, converged through its ATX board.
type powerResource struct{ pikvmResource }

func NewPowerResource() resource.Resource { return &powerResource{} }

type powerModel struct {
	ID             types.String   `tfsdk:"id"`
	PiKVM          types.String   `tfsdk:"pikvm"`
	State          types.String   `tfsdk:"state"`
	OffMethod      types.String   `tfsdk:"off_method"`
	SoftOffTimeout types.String   `tfsdk:"soft_off_timeout"`
	OnDestroy      types.String   `tfsdk:"on_destroy"`
	PowerLED       types.Bool     `tfsdk:"power_led"`
	HDDLED         types.Bool     `tfsdk:"hdd_led"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *powerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_power"
}

func (r *powerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The power state of the machine behind a PiKVM. Applying presses the power button through the ATX board only when the power LED differs, then waits until the LED shows the wanted state (kvmd itself never waits for the host). Refresh reads the LED, so a machine switched by hand shows as drift.",
		Attributes: map[string]schema.Attribute{
			"id":    schema.StringAttribute{Computed: true, Description: "The PiKVM's name."},
			"pikvm": pikvmAttribute(),
			"state": schema.StringAttribute{Required: true, Description: "`on` or `off`.",
				Validators: []validator.String{stringvalidator.OneOf("on", "off")}},
			"off_method": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(string(kvmd.OffSoftThenHard)),
				Description: "How to turn off: `soft` (press power; the OS shuts down), `hard` (long press: cut power), or `soft_then_hard` (soft, then hard after `soft_off_timeout`). Defaults to `soft_then_hard`.",
				Validators:  []validator.String{stringvalidator.OneOf(string(kvmd.OffSoft), string(kvmd.OffHard), string(kvmd.OffSoftThenHard))}},
			"soft_off_timeout": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("2m"),
				Description: "How long a soft off may take before `soft_then_hard` forces it, as a duration. Defaults to `2m`.",
				Validators:  []validator.String{fw.DurationValidator{}}},
			"on_destroy": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("keep"),
				Description: "What destroying the resource does to the machine: `keep` (leave it as it is) or `off` (turn it off with `off_method`). Defaults to `keep`.",
				Validators:  []validator.String{stringvalidator.OneOf("keep", "off")}},
			"power_led": schema.BoolAttribute{Computed: true, Description: "The power LED as last read."},
			"hdd_led":   schema.BoolAttribute{Computed: true, Description: "The disk activity LED as last read."},
			"timeouts":  fw.TimeoutsAttribute(ctx, powerTimeouts),
		},
	}
}

func (r *powerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !r.planDevice(ctx, req, resp) || req.State.Raw.IsNull() {
		return
	}
	var plan, state powerModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...) // planDevice filled in pikvm
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if plan.State.Equal(state.State) {
		plan.PowerLED, plan.HDDLED = state.PowerLED, state.HDDLED // nothing will be pressed
	}
	plan.ID = plan.PiKVM
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// converge presses and waits, then records the LEDs.
func (r *powerResource) converge(ctx context.Context, m *powerModel, timeout time.Duration) error {
	c, err := r.device(m.PiKVM)
	if err != nil {
		return err
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	soft, _ := time.ParseDuration(m.SoftOffTimeout.ValueString())
	atx, err := c.SetPower(ctx, m.State.ValueString() == "on", kvmd.OffMethod(m.OffMethod.ValueString()), soft)
	if atx != nil {
		m.PowerLED, m.HDDLED = types.BoolValue(atx.LEDs.Power), types.BoolValue(atx.LEDs.HDD)
	}
	m.ID, m.PiKVM = types.StringValue(c.Name()), types.StringValue(c.Name())
	return err
}

func (r *powerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(m powerModel) (time.Duration, diag.Diagnostics) {
		return m.Timeouts.Create(ctx, powerTimeouts.Create)
	})
}

func (r *powerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(m powerModel) (time.Duration, diag.Diagnostics) {
		return m.Timeouts.Update(ctx, powerTimeouts.Update)
	})
}

// apply converges to the plan and records the LEDs: Create and Update alike.
func (r *powerResource) apply(ctx context.Context, planned tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics,
	timeout func(powerModel) (time.Duration, diag.Diagnostics)) {
	var plan powerModel
	diags.Append(planned.Get(ctx, &plan)...)
	d, tdiags := timeout(plan)
	diags.Append(tdiags...)
	if diags.HasError() {
		return
	}
	if err := r.converge(ctx, &plan, d); err != nil {
		fw.AddError(diags, "Unable to Set Machine Power", err)
		return
	}
	diags.Append(state.Set(ctx, &plan)...)
	fw.WarnIfInterrupted(ctx, diags, fmt.Sprintf("the machine behind PiKVM %q is %s", plan.PiKVM.ValueString(), plan.State.ValueString()))
}

func (r *powerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state powerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Read(ctx, powerTimeouts.Read)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(state.PiKVM)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Machine Power", err)
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	atx, err := c.ATX(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Machine Power", err)
		return
	}
	state.State = types.StringValue(map[bool]string{true: "on", false: "off"}[atx.LEDs.Power])
	state.PowerLED, state.HDDLED = types.BoolValue(atx.LEDs.Power), types.BoolValue(atx.LEDs.HDD)
	state.ID, state.PiKVM = types.StringValue(c.Name()), types.StringValue(c.Name())
	if state.OffMethod.IsNull() {
		state.OffMethod = types.StringValue(string(kvmd.OffSoftThenHard))
	}
	if state.SoftOffTimeout.IsNull() {
		state.SoftOffTimeout = types.StringValue("2m")
	}
	if state.OnDestroy.IsNull() {
		state.OnDestroy = types.StringValue("keep")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *powerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state powerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Delete(ctx, powerTimeouts.Delete)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || state.OnDestroy.ValueString() != "off" {
		return // keep: the machine stays as it is
	}
	state.State = types.StringValue("off")
	if err := r.converge(ctx, &state, timeout); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Turn the Machine Off", err)
	}
}

func (r *powerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if device := r.importDevice(ctx, req, resp, "Cannot Import Machine Power"); device != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), device)...)
	}
}
