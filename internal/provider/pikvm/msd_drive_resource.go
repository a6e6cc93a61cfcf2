package pikvm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

var (
	_ resource.ResourceWithImportState    = (*msdDriveResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*msdDriveResource)(nil)
	_ resource.ResourceWithValidateConfig = (*msdDriveResource)(nil)
)

// msdDriveResource is rack_pikvm_msd_drive: which image a PiKVM's
// virtual drive holds, in which mode, and whether the host sees it.
type msdDriveResource struct{ pikvmResource }

func NewMSDDriveResource() resource.Resource { return &msdDriveResource{} }

type msdDriveModel struct {
	ID          types.String   `tfsdk:"id"`
	PiKVM       types.String   `tfsdk:"pikvm"`
	Image       types.String   `tfsdk:"image"`
	CDROM       types.Bool     `tfsdk:"cdrom"`
	RW          types.Bool     `tfsdk:"rw"`
	Connected   types.Bool     `tfsdk:"connected"`
	EffectiveRW types.Bool     `tfsdk:"effective_rw"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *msdDriveResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_msd_drive"
}

func (r *msdDriveResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The virtual drive of a PiKVM: the image it holds, CD-ROM or flash mode, read-write or not, and whether the host sees it. Changes are applied in the only order kvmd accepts: read the state, disconnect, set the parameters, connect. There is one drive per PiKVM: manage it with one resource.",
		Attributes: map[string]schema.Attribute{
			"id":    schema.StringAttribute{Computed: true, Description: "The PiKVM's name."},
			"pikvm": pikvmAttribute(),
			"image": schema.StringAttribute{Optional: true,
				Description: "Name of the image in the storage (see `rack_pikvm_msd_image`); unset ejects it.",
				Validators:  []validator.String{stringvalidator.RegexMatches(imageNameRE, "must be an image name")}},
			"cdrom": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Present the image as a CD-ROM (true) or as a flash drive (false). Defaults to `true`."},
			"rw": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Ask for read-write. Defaults to `false`. kvmd forces read-only for a CD-ROM and for images that cannot be written (`.iso`): see `effective_rw`."},
			"connected": schema.BoolAttribute{Optional: true, Computed: true,
				Description: "Whether the drive is connected to the host. Defaults to true when there is an image, false when not."},
			"effective_rw": schema.BoolAttribute{Computed: true, Description: "Whether the drive is really read-write, after kvmd's rules."},
			"timeouts":     fw.TimeoutsAttribute(ctx, msdDriveTimeouts),
		},
	}
}

func (r *msdDriveResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg msdDriveModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if cfg.Image.IsNull() && !cfg.Connected.IsNull() && !cfg.Connected.IsUnknown() && cfg.Connected.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("connected"), "Nothing to Connect",
			"connected = true needs an image: kvmd refuses to connect an empty drive (MsdImageNotSelected).")
	}
}

// expectedRW is what kvmd makes of a rw request.
func expectedRW(m *msdDriveModel) bool {
	return m.RW.ValueBool() && !m.CDROM.ValueBool() && !strings.HasSuffix(strings.ToLower(m.Image.ValueString()), ".iso")
}

func (r *msdDriveResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !r.planDevice(ctx, req, resp) {
		return
	}
	var plan msdDriveModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var configured types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("connected"), &configured)...)
	if configured.IsNull() && !plan.Image.IsUnknown() {
		// Unset: connected when there is an image (so a drive disconnected
		// by hand shows as drift), not when there is none.
		plan.Connected = types.BoolValue(!plan.Image.IsNull())
	}
	if !plan.Image.IsUnknown() && !plan.RW.IsUnknown() && !plan.CDROM.IsUnknown() {
		plan.EffectiveRW = types.BoolValue(expectedRW(&plan))
	}
	plan.ID = plan.PiKVM
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply brings the drive to the model: disconnect if needed, set the
// parameters, connect if wanted, reading the state first since kvmd's
// connect and disconnect are not idempotent.
func (r *msdDriveResource) apply(ctx context.Context, m *msdDriveModel, timeout time.Duration) error {
	c, err := r.device(m.PiKVM)
	if err != nil {
		return err
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	cur, err := c.MSD(ctx)
	if err != nil {
		return err
	}
	if cur.Drive == nil {
		return msdUnavailable(c, cur)
	}
	image := m.Image.ValueString()
	if image != "" && cur.Storage != nil && !cur.HasImage(image) {
		return c.ImageNotFound(cur, image) // before the drive is disconnected for nothing
	}
	paramsMatch := cur.SelectedImage() == image && cur.Drive.CDROM == m.CDROM.ValueBool() && cur.Drive.RW == expectedRW(m)
	if !paramsMatch {
		if cur.Connected() {
			if err := c.SetConnected(ctx, false); err != nil {
				return err
			}
		}
		cdrom, rw := m.CDROM.ValueBool(), m.RW.ValueBool()
		if err := c.SetDriveParams(ctx, kvmd.DriveParams{Image: &image, CDROM: &cdrom, RW: &rw}); err != nil {
			return err
		}
		cur.Drive.Connected = false
	}
	if want := m.Connected.ValueBool(); want != cur.Connected() {
		if err := c.SetConnected(ctx, want); err != nil {
			return err
		}
	}
	// Record what the drive now is, even after an interrupt: the steps
	// above that kvmd accepted happened.
	readCtx, readCancel := clienterr.Detach(ctx)
	defer readCancel()
	return r.readInto(readCtx, c, m)
}

func (r *msdDriveResource) readInto(ctx context.Context, c *kvmd.Client, m *msdDriveModel) error {
	cur, err := c.MSD(ctx)
	if err != nil {
		return err
	}
	if cur.Drive == nil {
		return msdUnavailable(c, cur)
	}
	if name := cur.SelectedImage(); name != "" {
		m.Image = types.StringValue(name)
	} else {
		m.Image = types.StringNull()
	}
	m.CDROM = types.BoolValue(cur.Drive.CDROM)
	m.Connected = types.BoolValue(cur.Drive.Connected)
	m.EffectiveRW = types.BoolValue(cur.Drive.RW)
	if m.RW.IsNull() || m.RW.IsUnknown() || cur.Drive.RW != expectedRW(m) {
		// Changed by hand (or imported): the requested rw is what the drive has.
		m.RW = types.BoolValue(cur.Drive.RW)
	}
	m.ID, m.PiKVM = types.StringValue(c.Name()), types.StringValue(c.Name())
	return nil
}

func (r *msdDriveResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, "Unable to Set Up the MSD Drive", func(m msdDriveModel) (time.Duration, diag.Diagnostics) {
		return m.Timeouts.Create(ctx, msdDriveTimeouts.Create)
	})
}

func (r *msdDriveResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, "Unable to Change the MSD Drive", func(m msdDriveModel) (time.Duration, diag.Diagnostics) {
		return m.Timeouts.Update(ctx, msdDriveTimeouts.Update)
	})
}

// applyPlan brings the drive to the plan and records it: Create and Update alike.
func (r *msdDriveResource) applyPlan(ctx context.Context, planned tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics,
	summary string, timeout func(msdDriveModel) (time.Duration, diag.Diagnostics)) {
	var plan msdDriveModel
	diags.Append(planned.Get(ctx, &plan)...)
	d, tdiags := timeout(plan)
	diags.Append(tdiags...)
	if diags.HasError() {
		return
	}
	if err := r.apply(ctx, &plan, d); err != nil {
		fw.AddError(diags, summary, err)
		return
	}
	diags.Append(state.Set(ctx, &plan)...)
	fw.WarnIfInterrupted(ctx, diags, fmt.Sprintf("the MSD drive of PiKVM %q holds %q and is %s", plan.PiKVM.ValueString(), plan.Image.ValueString(),
		map[bool]string{true: "connected", false: "disconnected"}[plan.Connected.ValueBool()]))
}

func (r *msdDriveResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state msdDriveModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Read(ctx, msdDriveTimeouts.Read)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(state.PiKVM)
	if err == nil {
		ctx, cancel := clienterr.WithTimeout(ctx, timeout)
		defer cancel()
		err = r.readInto(ctx, c, &state)
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read the MSD Drive", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete disconnects the drive and ejects the image.
func (r *msdDriveResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state msdDriveModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Delete(ctx, msdDriveTimeouts.Delete)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Image, state.Connected = types.StringNull(), types.BoolValue(false)
	if err := r.apply(ctx, &state, timeout); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Eject the MSD Drive", err)
	}
}

func (r *msdDriveResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.importDevice(ctx, req, resp, "Cannot Import the MSD Drive")
}
