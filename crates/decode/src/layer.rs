//! A layer: a stretch of content (the input, or what a decoder made of
//! part of it), scanned as text or handed whole to a decoder whose output
//! is a layer of its own.

use std::sync::Arc;

use caldicott_core::{Engine, Finding, Notice, Sink, Stream};

use crate::decoder::base64::Base64;
use crate::decoder::percent::UrlTokens;
use crate::decoder::{DecodeError, Decoder, Output};
use crate::prefilter::{is_base64, Masks, PIECE};
use crate::sniff::{sniff, SNIFF_LEN};
use crate::unwrap::Unwrap;
use crate::Limits;

/// What every layer of one input shares: the engine, the limits, the
/// running total of decoded bytes and where findings go.
pub(crate) struct Ctx<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) limits: &'a Limits,
    /// Bytes decoders have produced for this input so far.
    pub(crate) decoded: &'a mut u64,
    pub(crate) sink: &'a mut dyn Sink,
    /// The sink asked to stop.
    pub(crate) stopped: bool,
}

impl Ctx<'_> {
    /// Hands a notice to the sink.
    pub(crate) fn notice(
        &mut self,
        offset: u64,
        source: &'static str,
        limit: &'static str,
        message: String,
    ) {
        let notice = Notice::new(offset, source, limit, message);
        if !self.stopped && !self.sink.notice(notice) {
            self.stopped = true;
        }
    }

    /// A follower of the text layer with `info` (`source`: `base64`,
    /// `url`) was refused bytes over `max_decoded_bytes` for what starts
    /// at layer offset `at`, and decodes no more `what` in that layer.
    pub(crate) fn follower_spent(
        &mut self,
        info: &Info,
        at: u64,
        source: &'static str,
        what: &str,
    ) {
        let limit = self.limits.max_decoded_bytes;
        let origin = info.as_ref().map_or(at, |i| i.start);
        let path = info.as_ref().map_or("input", |i| i.path.as_str());
        let message = format!(
            "{path}: more than {limit} decoded bytes (max_decoded_bytes); \
             {what} no longer decoded, findings so far are kept"
        );
        self.notice(origin, source, "max_decoded_bytes", message);
    }
}

/// The layer path and start of a layer below the input.
pub(crate) type Info = Option<Arc<caldicott_core::Layer>>;

/// Hands a layer's findings to the input's sink, with the layer recorded.
struct LayerSink<'s> {
    layer: &'s Info,
    inner: &'s mut dyn Sink,
    /// Added to the stream's offsets to give layer offsets.
    shift: u64,
}

impl Sink for LayerSink<'_> {
    fn finding(&mut self, mut finding: Finding) -> bool {
        let finding = match self.layer {
            Some(layer) => finding.in_layer(Arc::clone(layer), self.shift),
            None => {
                finding.start += self.shift;
                finding.end += self.shift;
                finding
            }
        };
        self.inner.finding(finding)
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.inner.notice(notice)
    }
}

/// Shortest run of base64 characters (line breaks aside) decoded as an
/// embedded blob. 48 characters encode 36 bytes, room for a sentence with
/// an identifier in it; shorter runs are words, ids and hashes, and
/// decoding them would only cost time.
pub const MIN_BASE64_RUN: usize = 48;

/// Longest run of hex digits that is not decoded as base64: a run of
/// base64 characters that are all hex digits is decoded only once it shows
/// another character or grows this long. Hashes and hex ids (a SHA-256 is
/// 64 characters, a SHA-512 128) are common in logs and are not base64.
/// What such a run decodes to starts every 3-byte group with a control
/// byte, `h`–`z`, `{|}~` or a byte above `0xCF`, never a digit, a capital
/// or a space: so it holds no three digits in a row (no NHS, CHI or H&C
/// number, no date), no NINO and no postcode. (An NHSmail address is made
/// of lowercase letters and `@.`, and a crafted one could come out of a
/// short all-hex run: the one case this rule could miss.) Past this
/// length the run is decoded all the same, so that padding a blob with
/// hex-looking characters (NUL bytes encode to `A`) cannot hide what
/// follows; a test holds both sides.
pub const MAX_HEX_RUN: usize = 1024;

/// The path and start of a child named `name` of a layer with `parent`
/// info, whose encoded bytes start at `start` in the parent.
pub(crate) fn child_info(parent: &Info, name: &str, start: u64) -> Info {
    let info = match parent {
        // The input's offsets are the original offsets.
        None => caldicott_core::Layer { path: name.to_string(), start },
        // Inside decoded content there is no original offset: the
        // outermost layer's start stands for it.
        Some(p) => caldicott_core::Layer {
            path: format!("{} > {name}", p.path),
            start: p.start,
        },
    };
    Some(Arc::new(info))
}

/// How notices name a decoder: its name, after the path of the layer it
/// decodes (`gzip`, `base64 > gzip`).
fn decoder_label(info: &Info, name: &str) -> String {
    match info {
        None => name.to_string(),
        Some(i) => format!("{} > {name}", i.path),
    }
}

/// A layer.
pub(crate) struct Layer {
    info: Info,
    /// Nesting depth: 0 for the input.
    depth: usize,
    /// Bytes received so far.
    pos: u64,
    state: State,
    /// The text state of this layer's last use, ended, kept for the next
    /// (see [`Layer::recycle`]).
    spare: Option<Box<Text>>,
}

/// A text layer's scan: its own core stream and the followers.
struct Text {
    stream: Stream,
    followers: Followers,
    /// The layer offset of the stream's first byte (0, or where a decoder
    /// that gave up left off).
    shift: u64,
    /// The stream follows structure (it is not the rest of a layer whose
    /// decoder gave up).
    structure: bool,
}

enum State {
    /// Holding the first bytes to recognise the format.
    Sniff(Vec<u8>),
    /// Scanned as text.
    Text(Box<Text>),
    /// Handed to a decoder; its output is the child layer (or, for a
    /// container, a child layer per part).
    Decode { decoder: Box<dyn Decoder>, kids: Box<Kids> },
    /// Given up (a limit or malformed content): the rest is ignored.
    Done,
}

/// What a decoding layer's output feeds.
struct Kids {
    /// The decoder's name in layer paths.
    name: &'static str,
    /// The current child layer.
    child: Option<Box<Layer>>,
    /// The last child layer, ended, to be recycled for the next part.
    spare: Option<Box<Layer>>,
    /// Encoded bytes in and decoded bytes out, for the expansion ratio.
    encoded: u64,
    decoded: u64,
    /// Parts started (containers).
    parts: usize,
    /// The start of the current DECODE_STEP-aligned step, when a push
    /// ended in it: held until the step is whole (or the layer ends).
    block: Vec<u8>,
}

/// The [`Output`] of a layer's decoder: the child layers, with the
/// limits checked on the way.
struct KidsOut<'k, 'c, 'a> {
    kids: &'k mut Kids,
    info: &'k Info,
    depth: usize,
    ctx: &'c mut Ctx<'a>,
}

impl KidsOut<'_, '_, '_> {
    fn origin(&self) -> u64 {
        self.info.as_ref().map_or(0, |i| i.start)
    }

    fn path(&self) -> String {
        decoder_label(self.info, self.kids.name)
    }
}

impl Output for KidsOut<'_, '_, '_> {
    fn data(&mut self, bytes: &[u8]) -> bool {
        if self.ctx.stopped {
            return false;
        }
        let limits = self.ctx.limits;
        let n = bytes.len() as u64;
        let name = self.kids.name;
        if *self.ctx.decoded + n > limits.max_decoded_bytes {
            let (origin, path) = (self.origin(), self.path());
            self.ctx.notice(
                origin,
                name,
                "max_decoded_bytes",
                format!(
                    "{path}: decoding stopped at {} decoded bytes for this \
                     input (max_decoded_bytes); findings so far are kept",
                    limits.max_decoded_bytes
                ),
            );
            return false;
        }
        // The ratio is judged once a few kilobytes are in: small inputs
        // may expand a lot (a short gzip of a long run of spaces).
        let floor = self.kids.encoded.max(RATIO_FLOOR);
        if self.kids.decoded + n
            > floor.saturating_mul(limits.max_expansion_ratio)
        {
            let (origin, path) = (self.origin(), self.path());
            self.ctx.notice(
                origin,
                name,
                "max_expansion_ratio",
                format!(
                    "{path}: {name} expanded more than {}× \
                     (max_expansion_ratio): a decompression bomb? decoding \
                     stopped; findings so far are kept",
                    limits.max_expansion_ratio
                ),
            );
            return false;
        }
        *self.ctx.decoded += n;
        self.kids.decoded += n;
        let child = match &mut self.kids.child {
            Some(child) => child,
            None => {
                let info = child_info(self.info, name, self.origin_of_child());
                let layer =
                    Layer::reuse(&mut self.kids.spare, info, self.depth + 1);
                self.kids.child.insert(layer)
            }
        };
        child.push(bytes, self.ctx);
        !self.ctx.stopped
    }

    fn part(&mut self, label: &str, text: bool) -> bool {
        if let Some(mut child) = self.kids.child.take() {
            child.finish(self.ctx);
            self.kids.spare = Some(child);
        }
        if self.ctx.stopped {
            return false;
        }
        self.kids.parts += 1;
        let limits = self.ctx.limits;
        if self.kids.parts > limits.max_parts {
            let (origin, path, name) =
                (self.origin(), self.path(), self.kids.name);
            self.ctx.notice(
                origin,
                name,
                "max_parts",
                format!(
                    "{path}: more than {} parts or entries (max_parts); the \
                     rest are not decoded",
                    limits.max_parts
                ),
            );
            return false;
        }
        let name = if label.is_empty() {
            self.kids.name.to_string()
        } else {
            format!("{}:{label}", self.kids.name)
        };
        let info = child_info(self.info, &name, self.origin_of_child());
        let mut child =
            Layer::reuse(&mut self.kids.spare, info, self.depth + 1);
        if text {
            child.state = State::Text(child.text(self.ctx, true, 0));
        }
        self.kids.child = Some(child);
        true
    }
}

impl KidsOut<'_, '_, '_> {
    /// Where a child's encoded bytes start in the original input: the
    /// start of this (decoding) layer when it is the input or a layer of
    /// it; inside decoded content, the outermost start.
    fn origin_of_child(&self) -> u64 {
        self.origin()
    }
}

/// Encoded bytes handed to a decoder at a time, so that the expansion
/// ratio is checked as decoding goes (deflate expands one byte to at most
/// about 1 KiB, so a step decodes to at most about 4 MiB).
const DECODE_STEP: usize = 4096;

/// Encoded bytes below which the expansion ratio is judged against this
/// floor instead: a 100-byte gzip of a 1 MB run of zeros would otherwise
/// trip it, and 64 KiB × the ratio is a bounded amount of work.
const RATIO_FLOOR: u64 = 64 * 1024;

impl Layer {
    /// The input itself.
    pub(crate) fn root() -> Layer {
        Layer::new(None, 0)
    }

    pub(crate) fn new(info: Info, depth: usize) -> Layer {
        Layer {
            info,
            depth,
            pos: 0,
            state: State::Sniff(Vec::new()),
            spare: None,
        }
    }

    /// A new layer, made from `spare` (an ended layer) when there is one:
    /// the parts of an HTTP connection or a multipart body, and the blobs
    /// of a text layer, come one after another, and recycling the last
    /// one's stream and followers spares an allocation of each per part.
    fn reuse(
        spare: &mut Option<Box<Layer>>,
        info: Info,
        depth: usize,
    ) -> Box<Layer> {
        match spare.take() {
            // Ended: `finish` kept its text state as `layer.spare`.
            Some(mut layer) => {
                layer.info = info;
                layer.depth = depth;
                layer.pos = 0;
                layer.state = State::Sniff(Vec::new());
                layer
            }
            None => Box::new(Layer::new(info, depth)),
        }
    }

    /// A text state for this layer, from the spare one when there is one:
    /// a new stream (without structure for the rest of a layer whose
    /// decoder gave up) and followers, from layer offset `shift`.
    fn text(
        &mut self,
        ctx: &Ctx<'_>,
        structure: bool,
        shift: u64,
    ) -> Box<Text> {
        match self.spare.take() {
            Some(mut text) => {
                if text.structure == structure {
                    text.stream.reset();
                } else if structure {
                    text.stream = ctx.engine.stream();
                } else {
                    text.stream = ctx.engine.stream_without_structure();
                }
                text.followers.reset();
                text.shift = shift;
                text.structure = structure;
                text
            }
            None => Box::new(Text {
                stream: if structure {
                    ctx.engine.stream()
                } else {
                    ctx.engine.stream_without_structure()
                },
                followers: Followers::default(),
                shift,
                structure,
            }),
        }
    }

    /// The path of this layer, for notices.
    fn path(&self) -> String {
        self.info
            .as_ref()
            .map_or_else(|| "input".to_string(), |i| i.path.clone())
    }

    /// Where this layer starts in the original input.
    fn origin(&self) -> u64 {
        self.info.as_ref().map_or(0, |i| i.start)
    }

    /// The next bytes of this layer.
    pub(crate) fn push(&mut self, bytes: &[u8], ctx: &mut Ctx<'_>) {
        if ctx.stopped {
            return;
        }
        if let State::Sniff(head) = &mut self.state {
            let take = (SNIFF_LEN - head.len()).min(bytes.len());
            head.extend_from_slice(&bytes[..take]);
            if head.len() < SNIFF_LEN {
                return;
            }
            let head = std::mem::take(head);
            self.decide(&head, ctx);
            self.feed(&head, ctx);
            self.feed(&bytes[take..], ctx);
            return;
        }
        self.feed(bytes, ctx);
    }

    /// This layer has ended.
    pub(crate) fn finish(&mut self, ctx: &mut Ctx<'_>) {
        if let State::Sniff(head) = &mut self.state {
            let head = std::mem::take(head);
            self.decide(&head, ctx);
            self.feed(&head, ctx);
        }
        // The last step, unfinished, goes to the decoder now.
        if let State::Decode { decoder, kids } = &mut self.state {
            if !kids.block.is_empty() {
                let step = std::mem::take(&mut kids.block);
                kids.encoded += step.len() as u64;
                let mut out =
                    KidsOut { kids, info: &self.info, depth: self.depth, ctx };
                let result = decoder.push(&step, &mut out);
                let at = self.pos - step.len() as u64;
                self.check(result, at, [&step, &[]], ctx);
            }
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::Sniff(_) | State::Done => {}
            State::Text(mut text) => {
                let mut sink = LayerSink {
                    layer: &self.info,
                    inner: &mut *ctx.sink,
                    shift: text.shift,
                };
                if !ctx.stopped && text.stream.finish(&mut sink).is_err() {
                    ctx.stopped = true;
                }
                text.followers.finish(&self.info, self.depth, ctx);
                self.spare = Some(text);
            }
            State::Decode { mut decoder, mut kids } => {
                let result = {
                    let mut out = KidsOut {
                        kids: &mut kids,
                        info: &self.info,
                        depth: self.depth,
                        ctx,
                    };
                    decoder.finish(&mut out)
                };
                if let Err(DecodeError::Malformed(why)) = result {
                    let label = decoder_label(&self.info, kids.name);
                    ctx.notice(
                        self.origin(),
                        kids.name,
                        "malformed",
                        format!("{label}: {why}; what was decoded before it was scanned"),
                    );
                }
                if let Some(child) = kids.child.as_mut() {
                    child.finish(ctx);
                }
            }
        }
    }

    /// Chooses text or a decoder for this layer, from its first bytes.
    fn decide(&mut self, head: &[u8], ctx: &mut Ctx<'_>) {
        if let Some(format) = sniff(head) {
            if self.depth < ctx.limits.max_depth {
                self.state = State::Decode {
                    decoder: format.decoder,
                    kids: Box::new(Kids {
                        name: format.name,
                        child: None,
                        spare: None,
                        encoded: 0,
                        decoded: 0,
                        parts: 0,
                        block: Vec::new(),
                    }),
                };
                return;
            }
            let path = self.path();
            ctx.notice(
                self.origin(),
                format.name,
                "max_depth",
                format!(
                    "{path}: {} content nested more than {} layers deep is \
                     not decoded (max_depth); scanned as it is",
                    format.name, ctx.limits.max_depth
                ),
            );
        }
        self.state = State::Text(self.text(ctx, true, 0));
    }

    /// Bytes for a layer whose format is decided.
    fn feed(&mut self, bytes: &[u8], ctx: &mut Ctx<'_>) {
        if bytes.is_empty() || ctx.stopped {
            return;
        }
        let start = self.pos;
        self.pos += bytes.len() as u64;
        // Where a decoder gave up: the layer offset of the step-block it
        // failed in, that block's bytes from earlier pushes, and where in
        // this push the rest of it starts.
        let mut fallback: Option<(u64, Vec<u8>, usize)> = None;
        let result = match &mut self.state {
            State::Sniff(_) | State::Done => Ok(()),
            State::Text(text) => {
                let mut sink = LayerSink {
                    layer: &self.info,
                    inner: &mut *ctx.sink,
                    shift: text.shift,
                };
                if text.stream.push(bytes, &mut sink).is_err() {
                    ctx.stopped = true;
                    return;
                }
                text.followers.feed(bytes, start, &self.info, self.depth, ctx);
                Ok(())
            }
            State::Decode { decoder, kids } => {
                // The decoder is handed whole steps, DECODE_STEP bytes
                // aligned to layer offsets, whatever the pushes (a step a
                // push leaves unfinished is held in `kids.block` until it
                // is whole, or the layer ends): so it makes the same output
                // and fails at the same place however the input is
                // chunked (a decoder may emit part of a write before an
                // error in it, or not). If it fails, the rest of the layer
                // from the start of that step is scanned as text. Encoded
                // bytes are counted as they are handed over, so the
                // expansion ratio compares like with like.
                let step_len = DECODE_STEP as u64;
                let mut result = Ok(());
                let mut i = 0;
                while i < bytes.len() {
                    let off = start + i as u64;
                    let boundary = (off / step_len + 1) * step_len;
                    let n = usize::try_from(boundary - off)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - i);
                    let now = &bytes[i..i + n];
                    i += n;
                    if off + (n as u64) < boundary {
                        kids.block.extend_from_slice(now);
                        break;
                    }
                    // The step: its held start and these bytes, or these
                    // bytes alone.
                    let mut held = std::mem::take(&mut kids.block);
                    if !held.is_empty() {
                        held.extend_from_slice(now);
                    }
                    let step = if held.is_empty() { now } else { &held[..] };
                    kids.encoded += step.len() as u64;
                    let mut out = KidsOut {
                        kids,
                        info: &self.info,
                        depth: self.depth,
                        ctx,
                    };
                    result = decoder.push(step, &mut out);
                    if result.is_err() {
                        let whole = step.to_vec();
                        fallback = Some((boundary - step_len, whole, i));
                        break;
                    }
                    held.clear();
                    kids.block = held;
                }
                result
            }
        };
        let (failed_at, earlier, here) =
            fallback.unwrap_or((self.pos, Vec::new(), bytes.len()));
        let rest = [&earlier[..], &bytes[here..]];
        self.check(result, failed_at, rest, ctx);
    }

    /// After a decoder's step: if it failed, says why (unless it was told
    /// to stop) and scans the rest of the layer, from `failed_at`, as text.
    fn check(
        &mut self,
        result: Result<(), DecodeError>,
        failed_at: u64,
        rest: [&[u8]; 2],
        ctx: &mut Ctx<'_>,
    ) {
        match result {
            Ok(()) => {}
            Err(DecodeError::Stopped) => self.stop(ctx, failed_at, rest),
            Err(DecodeError::Malformed(why)) => {
                let name = match &self.state {
                    State::Decode { kids, .. } => kids.name,
                    _ => "decoder",
                };
                let label = decoder_label(&self.info, name);
                ctx.notice(
                    self.origin(),
                    name,
                    "malformed",
                    format!("{label}: {why}; what was decoded before it was scanned"),
                );
                self.stop(ctx, failed_at, rest);
            }
        }
    }

    /// Ends a decoding layer early: what its child already has is
    /// finished and reported, and the rest of this layer, from layer offset
    /// `at` (the start of the step-block the decoder gave up in; `rest` is
    /// its bytes from there, in two pieces), is scanned as text: nothing that plain-text scanning would find is lost
    /// because a decoder stopped (an HTTP stream past the limit on parts,
    /// a gzip member followed by text).
    fn stop(&mut self, ctx: &mut Ctx<'_>, at: u64, rest: [&[u8]; 2]) {
        if let State::Decode { mut kids, .. } =
            std::mem::replace(&mut self.state, State::Done)
        {
            if let Some(child) = kids.child.as_mut() {
                child.finish(ctx);
            }
        }
        if ctx.stopped {
            return;
        }
        // The rest starts mid-document: no structure (its first line is no
        // CSV header).
        self.state = State::Text(self.text(ctx, false, at));
        self.pos = at;
        for piece in rest {
            self.feed(piece, ctx);
        }
    }
}

/// What watches a text layer for content in another form, next to the
/// engine's scan of it: base64 runs, URL tokens, wrapped numbers. They
/// see the layer a [`PIECE`] at a time, the pieces aligned to layer
/// offsets whatever the pushes (the first from where the text starts to
/// the next multiple of `PIECE`; a piece that a push leaves unfinished is
/// held until it is complete or the layer ends), each with its
/// [`Masks`]. So the followers do the same work in the same order however
/// the input is chunked, down to which of them meets
/// [`Limits::max_decoded_bytes`] first.
#[derive(Default)]
pub(crate) struct Followers {
    /// The bytes of the current piece so far, when a push ended in it,
    /// and their layer offset.
    pending: Vec<u8>,
    pending_at: u64,
    /// The current piece's masks (kept to reuse the allocation).
    masks: Masks,
    /// Runs of base64 characters, decoded as `base64` layers.
    base64: Base64Runs,
    /// URL tokens with `%XX` escapes, decoded as `url` layers.
    url: UrlTokens,
    /// Numbers wrapped across a line break, scanned as `unwrap` layers.
    unwrap: Unwrap,
}

impl Followers {
    /// The next bytes of the text layer, starting at layer offset
    /// `start`; `info` and `depth` are the text layer's.
    fn feed(
        &mut self,
        bytes: &[u8],
        start: u64,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        let piece_len = PIECE as u64;
        let (mut pos, mut rest) = (start, bytes);
        while !rest.is_empty() {
            let piece_end = pos - pos % piece_len + piece_len;
            let n = usize::try_from(piece_end - pos)
                .unwrap_or(usize::MAX)
                .min(rest.len());
            let (now, later) = rest.split_at(n);
            let completes = pos + n as u64 == piece_end;
            if self.pending.is_empty() && completes {
                // The rest of a piece, all in this push: followed where
                // it is.
                self.follow(now, pos, info, depth, ctx);
            } else {
                if self.pending.is_empty() {
                    self.pending_at = pos;
                }
                self.pending.extend_from_slice(now);
                if completes {
                    self.follow_pending(info, depth, ctx);
                }
            }
            pos += n as u64;
            rest = later;
        }
    }

    /// The held piece, through each follower.
    fn follow_pending(
        &mut self,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        let piece = std::mem::take(&mut self.pending);
        self.follow(&piece, self.pending_at, info, depth, ctx);
        self.pending = piece;
        self.pending.clear();
    }

    /// One piece, at layer offset `at`, through each follower.
    fn follow(
        &mut self,
        piece: &[u8],
        at: u64,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        debug_assert!(piece.len() <= PIECE, "a piece is masked whole");
        self.masks.compute(piece);
        self.base64.feed(piece, &self.masks, at, info, depth, ctx);
        self.url.feed(piece, &self.masks, at, info, depth, ctx);
        self.unwrap.feed(piece, &self.masks, at, info, ctx);
    }

    /// The text layer has ended.
    fn finish(&mut self, info: &Info, depth: usize, ctx: &mut Ctx<'_>) {
        if !self.pending.is_empty() {
            self.follow_pending(info, depth, ctx);
        }
        self.base64.end_run(info, ctx);
        self.url.finish(info, depth, ctx);
        self.unwrap.finish(info, ctx);
    }

    /// As new, for another text layer; allocations are kept.
    fn reset(&mut self) {
        self.pending.clear();
        self.base64.reset();
        self.url = UrlTokens::default();
        self.unwrap = Unwrap::default();
    }
}

/// [`Base64Runs::in_break`] after a CR: an LF may follow.
const BREAK_CR: u8 = 1;
/// [`Base64Runs::in_break`] after an LF (alone or after a CR): the line
/// break is whole, and another ends the run.
const BREAK_DONE: u8 = 2;

/// Follows runs of base64 characters in a text layer; a run of at least
/// [`MIN_BASE64_RUN`] characters is decoded as a child layer while it
/// lasts. Once a run is being decoded, a line break continues it (MIME
/// wraps base64 at 76 characters, PEM at 64) when the next line goes on
/// with base64; a shorter run ends at a line break.
#[derive(Default)]
struct Base64Runs {
    /// Layer offset where the current run starts.
    run_start: u64,
    /// Characters in the current run.
    run_len: usize,
    /// The run's first characters, until it is decoded.
    head: Vec<u8>,
    /// Every character of the run so far is a hex digit.
    hex_only: bool,
    /// The line break since the last base64 character: none (0),
    /// [`BREAK_CR`] or [`BREAK_DONE`]. CR, LF or CR LF continue a run;
    /// anything more (a blank line) ends it.
    in_break: u8,
    /// The decoder and child layer of a run being decoded.
    active: Option<(Base64, Box<Layer>)>,
    /// The decoded-bytes limit was reached: no more runs are decoded in
    /// this layer (said once, with a notice).
    spent: bool,
    /// The last blob's layer, ended, to be recycled for the next.
    spare: Option<Box<Layer>>,
}

impl Base64Runs {
    /// As new, for another text layer; allocations are kept.
    fn reset(&mut self) {
        let mut head = std::mem::take(&mut self.head);
        head.clear();
        let spare = self.spare.take();
        *self = Base64Runs { head, spare, ..Base64Runs::default() };
    }

    /// The next bytes of the text layer (at most [`PIECE`], masked in
    /// `masks`), starting at layer offset `start`.
    fn feed(
        &mut self,
        bytes: &[u8],
        masks: &Masks,
        start: u64,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        if depth >= ctx.limits.max_depth || self.spent {
            return;
        }
        let mut i = 0;
        while i < bytes.len() && !self.spent {
            if self.run_len == 0 && self.active.is_none() {
                // Between runs: straight to the next run long enough to
                // decode, or one that reaches the end of this piece (it
                // may go on in the next).
                i = masks.first_long_run::<MIN_BASE64_RUN>(i);
                if i == bytes.len() {
                    break;
                }
            }
            let b = bytes[i];
            if is_base64(b) {
                // The run's characters in this piece, handled at once.
                // (At least one byte: `b` is one, whatever the masks say.)
                let end = masks.run_end(i).max(i + 1);
                let segment = &bytes[i..end];
                if self.run_len == 0 {
                    self.run_start = start + i as u64;
                    self.hex_only = true;
                }
                self.in_break = 0;
                self.run_len += segment.len();
                i = end;
                if let Some((decoder, child)) = &mut self.active {
                    let mut out = OneChild { child, ctx, over: false };
                    let ok = decoder.push(segment, &mut out).is_ok();
                    let over = out.over;
                    if !ok {
                        self.end_run(info, ctx);
                    }
                    self.spend_if(over, info, ctx);
                    continue;
                }
                self.head.extend_from_slice(segment);
                self.hex_only =
                    self.hex_only && segment.iter().all(u8::is_ascii_hexdigit);
                // A run of hex digits (a hash, a hex id) waits until it
                // shows another character, up to MAX_HEX_RUN.
                if self.run_len >= MIN_BASE64_RUN
                    && (!self.hex_only || self.run_len >= MAX_HEX_RUN)
                {
                    self.begin_blob(info, depth, ctx);
                }
                continue;
            }
            // A run held back for being all hex digits may be the first
            // line of wrapped base64 (binary data that starts with zero
            // bytes encodes to `A`s: a DICOM preamble): it goes on across
            // a line break too, if its length is whole quanta, as a
            // wrapped line's is.
            let held = self.run_len >= MIN_BASE64_RUN
                && self.hex_only
                && self.run_len % 4 == 0;
            if (self.active.is_some() || held) && self.line_break_continues(b)
            {
                // A wrapped line: the run goes on if base64 follows.
                self.in_break = if b == b'\r' { BREAK_CR } else { BREAK_DONE };
            } else if self.run_len > 0 {
                self.end_run(info, ctx);
            }
            i += 1;
        }
    }

    /// The run in `head` is long enough: decoding starts, into a child
    /// layer.
    fn begin_blob(&mut self, info: &Info, depth: usize, ctx: &mut Ctx<'_>) {
        let child_start = match info {
            None => self.run_start,
            Some(p) => p.start,
        };
        let child_info = child_info(info, "base64", child_start);
        let mut child = Layer::reuse(&mut self.spare, child_info, depth + 1);
        let mut decoder = Base64::new();
        let (ok, over) = {
            let mut out = OneChild { child: &mut child, ctx, over: false };
            (decoder.push(&self.head, &mut out).is_ok(), out.over)
        };
        self.head.clear();
        self.active = Some((decoder, child));
        if !ok {
            self.end_run(info, ctx);
        }
        self.spend_if(over, info, ctx);
    }

    /// When a blob's decoder was refused bytes over
    /// [`Limits::max_decoded_bytes`]: no more base64 is decoded in this
    /// layer, and a notice says so (once).
    fn spend_if(&mut self, over: bool, info: &Info, ctx: &mut Ctx<'_>) {
        if !over || self.spent {
            return;
        }
        self.spent = true;
        ctx.follower_spent(info, self.run_start, "base64", "base64 runs are");
    }

    /// Whether `b` continues a run across one line break: CR or LF first,
    /// or LF after CR; a blank line ends it.
    fn line_break_continues(&self, b: u8) -> bool {
        matches!((self.in_break, b), (0, b'\r' | b'\n') | (BREAK_CR, b'\n'))
    }

    /// The current run has ended: decode what is left of it.
    fn end_run(&mut self, info: &Info, ctx: &mut Ctx<'_>) {
        self.run_len = 0;
        self.head.clear();
        self.in_break = 0;
        if let Some((mut decoder, mut child)) = self.active.take() {
            let over = {
                let mut out = OneChild { child: &mut child, ctx, over: false };
                // A malformed tail (a stray character) ends the blob; what
                // was decoded is scanned either way.
                let _ = decoder.finish(&mut out);
                out.over
            };
            child.finish(ctx);
            self.spare = Some(child);
            self.spend_if(over, info, ctx);
        }
    }
}

/// The [`Output`] of an embedded blob's decoder: its one child layer.
struct OneChild<'k, 'c, 'a> {
    child: &'k mut Box<Layer>,
    ctx: &'c mut Ctx<'a>,
    /// Bytes were refused: over [`Limits::max_decoded_bytes`].
    over: bool,
}

impl Output for OneChild<'_, '_, '_> {
    fn data(&mut self, bytes: &[u8]) -> bool {
        let limit = self.ctx.limits.max_decoded_bytes;
        if *self.ctx.decoded + bytes.len() as u64 > limit {
            self.over = true;
            return false;
        }
        *self.ctx.decoded += bytes.len() as u64;
        self.child.push(bytes, self.ctx);
        !self.ctx.stopped
    }

    fn part(&mut self, _label: &str, _text: bool) -> bool {
        true
    }
}
