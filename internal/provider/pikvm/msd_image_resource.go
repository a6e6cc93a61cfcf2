package pikvm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	_ resource.ResourceWithImportState = (*msdImageResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*msdImageResource)(nil)
)

// msdImageResource is rack_pikvm_msd_image: an image file uploaded to a
// PiKVM's virtual media storage.
type msdImageResource struct{ pikvmResource }

func NewMSDImageResource() resource.Resource { return &msdImageResource{} }

type msdImageModel struct {
	ID            types.String   `tfsdk:"id"`
	PiKVM         types.String   `tfsdk:"pikvm"`
	Name          types.String   `tfsdk:"name"`
	Source        types.String   `tfsdk:"source"`
	ContentSHA256 types.String   `tfsdk:"content_sha256"`
	Size          types.Int64    `tfsdk:"size"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// sourceStamp is kept in private state: when the source file's size and
// modification time are unchanged, its hash is not computed again.
type sourceStamp struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime"`
	SHA256 string `json:"sha256"`
}

const sourceStampKey = "source_stamp"

func (r *msdImageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_msd_image"
}

func (r *msdImageResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "An image (an installer ISO, a disk image) in a PiKVM's virtual media storage, uploaded from a local file. The upload streams the file, so multi-GiB images need no memory. kvmd keeps no checksum, so the provider hashes the file (SHA-256) and replaces the image when the file's content changes.",
		Attributes: map[string]schema.Attribute{
			"id":    schema.StringAttribute{Computed: true, Description: "`pikvm:name`.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"pikvm": pikvmAttribute(),
			"name": schema.StringAttribute{Required: true,
				Description:   "Image name in the storage, such as `debian-12.iso`. Names ending in `.iso` are always read-only. Changing it replaces the image.",
				Validators:    []validator.String{stringvalidator.RegexMatches(imageNameRE, "must be a plain file name (no '/', not starting with '.')")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"source": schema.StringAttribute{Required: true,
				Description: "Path of the local file to upload. Moving the file does not replace the image; changing its content does. The file is read when it is uploaded: applying a saved plan uploads the file as it is then."},
			"content_sha256": schema.StringAttribute{Computed: true,
				Description: "SHA-256 of the bytes uploaded, computed while sending them (known after apply). When the file's content no longer matches it, the image is replaced. Empty after an import (kvmd keeps no checksum) until the image is next replaced; an imported image is kept while the file's size matches."},
			"size":     schema.Int64Attribute{Computed: true, Description: "Size in bytes, as kvmd reports it."},
			"timeouts": fw.TimeoutsAttribute(ctx, msdImageTimeouts),
		},
	}
}

// ModifyPlan decides at plan time whether the image must be replaced, but
// never promises the content of a new upload: Terraform plans again when it
// applies a saved plan (with the prior state and its private data only, not
// the saved plan's), and any planned value that depends on the file would
// then differ when the file changed in between, which Terraform reports as
// "Provider produced inconsistent final plan". So a new image's hash and size
// are known after apply: Create hashes exactly the bytes it sends.
func (r *msdImageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !r.planDevice(ctx, req, resp) {
		return
	}
	var plan msdImageModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...) // planDevice filled in pikvm
	if plan.Source.IsUnknown() || resp.Diagnostics.HasError() {
		return
	}
	source := plan.Source.ValueString()
	if req.State.Raw.IsNull() {
		// Create: only check that the file can be read. An empty file is
		// fine: kvmd takes the size from Content-Length (any number from 0)
		// and calls an image complete once that many bytes arrived.
		if _, err := checkSource(source); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Cannot Read the Image Source",
				fmt.Sprintf("The file to upload cannot be read: %s", err))
		}
		return
	}
	var state msdImageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var stamp sourceStamp
	if raw, d := req.Private.GetKey(ctx, sourceStampKey); !d.HasError() && raw != nil {
		_ = json.Unmarshal(raw, &stamp)
	}
	sum, size, err := hashSource(source, stamp)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Cannot Read the Image Source",
			fmt.Sprintf("The file to upload cannot be read: %s", err))
		return
	}
	plan.ContentSHA256, plan.Size = state.ContentSHA256, state.Size
	if state.ContentSHA256.ValueString() != sum && (state.ContentSHA256.ValueString() != "" || state.Size.ValueInt64() != size) {
		// New content: replaced, with the new hash taken at upload. (An
		// imported image has no hash, as kvmd keeps none: equal sizes keep
		// it, and its hash is recorded at the next replacement.)
		plan.ContentSHA256, plan.Size = types.StringUnknown(), types.Int64Unknown()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("content_sha256"))
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkSource fails when path is not a file this process can read.
func checkSource(path string) (os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s is a directory", path)
	}
	return st, err
}

// hashSource hashes the file unless its path, size and mtime match the stamp.
func hashSource(path string, stamp sourceStamp) (string, int64, error) {
	st, err := checkSource(path)
	if err != nil {
		return "", 0, err
	}
	if stamp.SHA256 != "" && stamp.Path == path && stamp.Size == st.Size() && stamp.MTime == st.ModTime().UnixNano() {
		return stamp.SHA256, st.Size(), nil
	}
	return kvmd.FileSHA256(path)
}

func stampOf(path, sum string) []byte {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	b, _ := json.Marshal(sourceStamp{Path: path, Size: st.Size(), MTime: st.ModTime().UnixNano(), SHA256: sum})
	return b
}

func (r *msdImageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan msdImageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	timeout, diags := plan.Timeouts.Create(ctx, msdImageTimeouts.Create)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(plan.PiKVM)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Upload MSD Image", err)
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()

	before, _ := os.Stat(plan.Source.ValueString()) // a missing file fails the upload
	res, err := c.UploadFile(ctx, plan.Name.ValueString(), plan.Source.ValueString(), true)
	if err != nil {
		detail := fw.ErrorDetail(err)
		var taken *clienterr.ConflictError
		var notSent *clienterr.InterruptedError
		// An image that was there before (a taken name), or an upload never
		// started, left nothing of ours to clean.
		if errors.As(err, &taken) || errors.As(err, &notSent) {
			if taken != nil && taken.ImportID != "" {
				// The device cannot tell the source path: the ID that
				// imports the image completely carries it.
				taken.ImportID += "@" + plan.Source.ValueString()
				detail = fw.ErrorDetail(err)
			}
			resp.Diagnostics.AddError("Unable to Upload MSD Image", detail)
			return
		}
		if clienterr.OutcomeUnknown(err) && r.recordIfStored(ctx, c, &plan, before, resp) {
			resp.Diagnostics.AddError("Unable to Upload MSD Image", fmt.Sprintf(
				"The answer to the upload was lost, but image %q is complete on PiKVM %q with the file's size: it is saved in state as tainted, and the next apply uploads it again.\n\n%s",
				plan.Name.ValueString(), c.Name(), detail))
			return
		}
		if cleaned := r.removeIncomplete(context.WithoutCancel(ctx), c, plan.Name.ValueString()); cleaned != "" {
			detail += "\n\n" + cleaned
		}
		resp.Diagnostics.AddError("Unable to Upload MSD Image", detail)
		return
	}
	if res.Name != plan.Name.ValueString() {
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "kvmd Renamed the Image",
			fmt.Sprintf("kvmd stored the image as %q instead of %q; use that name.", res.Name, plan.Name.ValueString()))
	}
	// The hash of what was actually sent (computed while streaming, so the
	// file is read once). A file written to while it was being sent may have
	// given a mix of old and new bytes that was never the file's content:
	// take that image back rather than record it.
	sum := res.SHA256
	if after, err := os.Stat(plan.Source.ValueString()); before != nil && (err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime())) {
		detail := fmt.Sprintf("%s changed while it was being uploaded as %q, so the image may hold part of the old and part of the new content. Apply again once the file is complete.",
			plan.Source.ValueString(), res.Name)
		if err := c.RemoveImage(context.WithoutCancel(ctx), res.Name); err != nil {
			detail += fmt.Sprintf("\n\nThe uploaded image %q could not be removed: %s", res.Name, err)
		} else {
			detail += fmt.Sprintf("\n\nThe uploaded image %q was removed.", res.Name)
		}
		resp.Diagnostics.AddAttributeError(path.Root("source"), "Image Source Changed During Upload", detail)
		return
	}
	plan.Name = types.StringValue(res.Name)
	plan.ContentSHA256 = types.StringValue(sum)
	plan.Size = types.Int64Value(res.Size)
	plan.ID = types.StringValue(c.Name() + ":" + res.Name)
	plan.PiKVM = types.StringValue(c.Name())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, sourceStampKey, stampOf(plan.Source.ValueString(), sum))...)
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, fmt.Sprintf("image %q was uploaded in full to PiKVM %q", res.Name, c.Name()))
}

// recordIfStored saves the image in state when an upload whose answer was
// lost left it complete on the device with the file's size (it did not
// exist before, or the upload would have been refused as taken): otherwise
// it would be on the device and not in state.
func (r *msdImageResource) recordIfStored(ctx context.Context, c *kvmd.Client, plan *msdImageModel, source os.FileInfo, resp *resource.CreateResponse) bool {
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	m, err := c.MSD(ctx)
	if err != nil || m.Storage == nil || source == nil {
		return false
	}
	img, ok := m.Storage.Images[plan.Name.ValueString()]
	if !ok || !img.Complete || img.Size != source.Size() {
		return false
	}
	plan.Size = types.Int64Value(img.Size)
	plan.ContentSHA256 = types.StringValue("") // not known to be the file's: the taint replaces it
	plan.ID = types.StringValue(c.Name() + ":" + plan.Name.ValueString())
	plan.PiKVM = types.StringValue(c.Name())
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	return true
}

// removeIncomplete deletes what a broken upload left behind (kvmd's
// remove_incomplete does it when it notices; this covers when it did not)
// and says what it did.
func (r *msdImageResource) removeIncomplete(ctx context.Context, c *kvmd.Client, name string) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := c.MSD(ctx)
	if err != nil || m.Storage == nil {
		return ""
	}
	img, ok := m.Storage.Images[name]
	if !ok || img.Complete {
		return ""
	}
	if err := c.RemoveImage(ctx, name); err != nil {
		return fmt.Sprintf("The upload left an incomplete image %q that could not be removed: %s", name, err)
	}
	return fmt.Sprintf("The incomplete image %q that the upload left was removed.", name)
}

func (r *msdImageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state msdImageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Read(ctx, msdImageTimeouts.Read)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(state.PiKVM)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read MSD Image", err)
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := c.MSD(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read MSD Image", err)
		return
	}
	if m.Storage == nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read MSD Image", msdUnavailable(c, m))
		return
	}
	img, ok := m.Storage.Images[state.Name.ValueString()]
	if !ok {
		resp.Diagnostics.AddWarning("MSD Image Removed From State",
			fmt.Sprintf("Image %q is no longer in the storage of PiKVM %q; it was removed from state and will be uploaded again on the next apply.", state.Name.ValueString(), c.Name()))
		resp.State.RemoveResource(ctx)
		return
	}
	state.Size = types.Int64Value(img.Size)
	if !img.Complete {
		// A broken upload: its content is not what was hashed.
		state.ContentSHA256 = types.StringValue("incomplete")
	}
	state.PiKVM = types.StringValue(c.Name())
	state.ID = types.StringValue(c.Name() + ":" + state.Name.ValueString())
	if state.ContentSHA256.IsNull() {
		state.ContentSHA256 = types.StringValue("") // imported: kvmd keeps no checksum
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only ever changes where the source file lives.
func (r *msdImageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan msdImageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, sourceStampKey, stampOf(plan.Source.ValueString(), plan.ContentSHA256.ValueString()))...)
}

func (r *msdImageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state msdImageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Delete(ctx, msdImageTimeouts.Delete)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.device(state.PiKVM)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Remove MSD Image", err)
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, timeout)
	defer cancel()
	name := state.Name.ValueString()
	m, err := c.MSD(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Remove MSD Image", err)
		return
	}
	// kvmd removes nothing while the drive is connected: disconnect it if it
	// holds this image (the host loses the medium, which is what removing it means).
	if m.Connected() && m.SelectedImage() == name {
		if err := c.SetConnected(ctx, false); err != nil && !kvmd.Is(err, "MsdDisconnectedError") {
			fw.AddError(&resp.Diagnostics, "Unable to Disconnect the MSD Drive Before Removing the Image", err)
			return
		}
	}
	err = c.RemoveImage(ctx, name)
	var nf *clienterr.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		fw.AddError(&resp.Diagnostics, "Unable to Remove MSD Image", err)
	}
}

func (r *msdImageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// [pikvm:]name[@source]: the source path cannot be read from the
	// device, so it may ride along in the ID to make the import complete.
	id, source, _ := strings.Cut(req.ID, "@")
	device, name := splitPiKVMImportID(id)
	if name == "" || strings.Contains(name, "/") {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not an image import ID: use [pikvm:]image-name[@source-path], for example kvm1:debian-12.iso@/isos/debian-12.iso.", req.ID))
		return
	}
	if source != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("source"), source)...)
	}
	if r.data != nil {
		c, err := r.data.PiKVMs.Client(device)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import MSD Image", err)
			return
		}
		m, err := c.MSD(ctx)
		if err == nil && m.Storage != nil {
			if _, ok := m.Storage.Images[name]; !ok {
				err = &clienterr.NotFoundError{Info: clienterr.Info{Object: fmt.Sprintf("image %q of PiKVM %q", name, c.Name())}}
			}
		}
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import MSD Image", err)
			return
		}
		device = c.Name()
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pikvm"), device)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// msdUnavailable explains why the MSD has no storage to show.
func msdUnavailable(c *kvmd.Client, m *kvmd.MSD) error {
	msg := "the MSD is offline (kvmd cannot see its storage)"
	class := "MsdOfflineError"
	if !m.Enabled {
		msg, class = "the MSD is disabled on this PiKVM", "MsdDisabledError"
	}
	return &clienterr.ValidationError{Info: clienterr.Info{Object: fmt.Sprintf("the MSD of PiKVM %q", c.Name()), Class: class, Message: msg}}
}
