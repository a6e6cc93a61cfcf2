package pikvm

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

var (
	_ resource.ResourceWithImportState      = (*gpioOutputResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*gpioOutputResource)(nil)
	_ resource.ResourceWithConfigValidators = (*gpioOutputResource)(nil)
)

// gpioOutputResource is rack_pikvm_gpio_output: a GPIO output channel
// of a PiKVM (a relay, a second machine's power button...), either held in a
// state (switch channels) or pulsed whenever its triggers change.
type gpioOutputResource struct{ pikvmResource }

func NewGPIOOutputResource() resource.Resource { return &gpioOutputResource{} }

type gpioOutputModel struct {
	ID            types.String   `tfsdk:"id"`
	PiKVM         types.String   `tfsdk:"pikvm"`
	Channel       types.String   `tfsdk:"channel"`
	State         types.Bool     `tfsdk:"state"`
	PulseTriggers types.Map      `tfsdk:"pulse_triggers"`
	PulseDelay    types.String   `tfsdk:"pulse_delay"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (r *gpioOutputResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_gpio_output"
}

func (r *gpioOutputResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A GPIO output channel of a PiKVM, as its kvmd scheme defines it: a switch channel held in `state`, or a pulse channel pulsed each time `pulse_triggers` changes. The channel and what it supports are checked against the device's scheme at plan time.",
		Attributes: map[string]schema.Attribute{
			"id":    schema.StringAttribute{Computed: true, Description: "`pikvm:channel`.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"pikvm": pikvmAttribute(),
			"channel": schema.StringAttribute{Required: true, Description: "Output channel name from the kvmd GPIO scheme. Channels starting with `__` are kvmd's own.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"state": schema.BoolAttribute{Optional: true, Description: "For a switch channel: the state to hold. Refresh reads it, so a change by hand shows as drift."},
			"pulse_triggers": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				Description: "For a pulse channel: arbitrary values; the channel is pulsed at create and whenever they change."},
			"pulse_delay": schema.StringAttribute{Optional: true, Description: "Pulse length as a duration (`500ms`); kvmd clamps it to the channel's limits. Default: the channel's own.",
				Validators: []validator.String{fw.DurationValidator{}}},
			"timeouts": fw.TimeoutsAttribute(ctx, gpioOutputTimeout),
		},
	}
}

func (r *gpioOutputResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("state"), path.MatchRoot("pulse_triggers")),
		resourcevalidator.Conflicting(path.MatchRoot("state"), path.MatchRoot("pulse_delay")),
	}
}

// ModifyPlan checks the channel against the device's scheme, so a typo or
// a switch/pulse mix-up fails at plan time.
func (r *gpioOutputResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !r.planDevice(ctx, req, resp) {
		return
	}
	var plan gpioOutputModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Channel.IsUnknown() || plan.PiKVM.IsUnknown() {
		return
	}
	c, err := r.device(plan.PiKVM)
	if err != nil {
		return // planDevice reported it
	}
	g, err := c.GPIO(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read the PiKVM GPIO Scheme", err)
		return
	}
	ch := plan.Channel.ValueString()
	out, ok := g.Model.Scheme.Outputs[ch]
	switch {
	case !ok || strings.HasPrefix(ch, "__"):
		resp.Diagnostics.AddAttributeError(path.Root("channel"), "Unknown GPIO Channel",
			fmt.Sprintf("PiKVM %q has no output channel %q. Its output channels: %s.", c.Name(), ch, strings.Join(userChannels(g), ", ")))
	case !plan.State.IsNull() && !out.Switch:
		resp.Diagnostics.AddAttributeError(path.Root("state"), "Channel Cannot Switch",
			fmt.Sprintf("Channel %q of PiKVM %q is pulse-only (GpioSwitchNotSupported): use pulse_triggers.", ch, c.Name()))
	case !plan.PulseTriggers.IsNull() && out.Pulse.Delay == 0:
		resp.Diagnostics.AddAttributeError(path.Root("pulse_triggers"), "Channel Cannot Pulse",
			fmt.Sprintf("Channel %q of PiKVM %q is switch-only (GpioPulseNotSupported): use state.", ch, c.Name()))
	}
	plan.ID = types.StringValue(c.Name() + ":" + ch)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func userChannels(g *kvmd.GPIO) []string {
	names := []string{}
	for n := range g.Model.Scheme.Outputs {
		if !strings.HasPrefix(n, "__") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// drive sets or pulses the channel as the model says.
func (r *gpioOutputResource) drive(ctx context.Context, m *gpioOutputModel, timeout time.Duration) error {
	c, err := r.device(m.PiKVM)
	if err != nil {
		return err
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	m.ID, m.PiKVM = types.StringValue(c.Name()+":"+m.Channel.ValueString()), types.StringValue(c.Name())
	if !m.State.IsNull() {
		return c.SwitchGPIO(ctx, m.Channel.ValueString(), m.State.ValueBool())
	}
	delay, _ := time.ParseDuration(m.PulseDelay.ValueString())
	return c.PulseGPIO(ctx, m.Channel.ValueString(), delay)
}

func (r *gpioOutputResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan gpioOutputModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	timeout, diags := plan.Timeouts.Create(ctx, gpioOutputTimeout.Create)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.drive(ctx, &plan, timeout); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Set GPIO Channel", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, fmt.Sprintf("GPIO channel %q of PiKVM %q was set", plan.Channel.ValueString(), plan.PiKVM.ValueString()))
}

func (r *gpioOutputResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state gpioOutputModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := plan.Timeouts.Update(ctx, gpioOutputTimeout.Update)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.State.Equal(state.State) || !plan.PulseTriggers.Equal(state.PulseTriggers) {
		if err := r.drive(ctx, &plan, timeout); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Set GPIO Channel", err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read reads a switch channel's state once the channel is not busy (a busy
// channel reports false whatever it holds).
func (r *gpioOutputResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state gpioOutputModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Read(ctx, gpioOutputTimeout.Read)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(state.PiKVM)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read GPIO Channel", err)
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	ch := state.Channel.ValueString()
	value, exists, err := c.SettledOutput(ctx, ch)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read GPIO Channel", err)
		return
	}
	if !exists {
		resp.Diagnostics.AddWarning("GPIO Channel Removed From State",
			fmt.Sprintf("PiKVM %q no longer has output channel %q (its GPIO scheme changed); it was removed from state.", c.Name(), ch))
		resp.State.RemoveResource(ctx)
		return
	}
	if !state.State.IsNull() {
		state.State = types.BoolValue(value)
	}
	state.ID, state.PiKVM = types.StringValue(c.Name()+":"+ch), types.StringValue(c.Name())
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete leaves the channel as it is: Terraform stops managing it.
func (r *gpioOutputResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *gpioOutputResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	device, ch := splitPiKVMImportID(req.ID)
	if ch == "" {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not a GPIO import ID: use [pikvm:]channel, for example kvm1:relay1.", req.ID))
		return
	}
	if r.data != nil {
		c, err := r.data.PiKVMs.Client(device)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import GPIO Channel", err)
			return
		}
		g, err := c.GPIO(ctx)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import GPIO Channel", err)
			return
		}
		out, ok := g.Model.Scheme.Outputs[ch]
		if !ok {
			fw.AddError(&resp.Diagnostics, "Cannot Import GPIO Channel", &clienterr.NotFoundError{Info: clienterr.Info{
				Object: fmt.Sprintf("output channel %q of PiKVM %q", ch, c.Name())}})
			return
		}
		device = c.Name()
		if out.Switch {
			// A switch channel is managed by its state: seed it so Read fills it in.
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("state"), false)...)
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pikvm"), device)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("channel"), ch)...)
}
