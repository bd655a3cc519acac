"""Hostile files built byte by byte: decompression bombs, nested form XObjects, PDFs that run code."""

import struct
import zlib

BLOCK = 1 << 20  # zeros compressed once and repeated: a gigabyte of pixels costs no time to build


def _zeros_zlib(size: int) -> bytes:
    """A zlib stream of `size` zero bytes, about 1000 times smaller, made without compressing them all.

    Each block ends on a full flush, which resets the compressor: the same block repeated is valid deflate."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, BLOCK)
    tail = compressor.compress(bytes(rest)) + compressor.flush(zlib.Z_FINISH)
    adler = ((size % 65521) << 16) | 1  # the Adler-32 of `size` zero bytes
    return b"\x78\xda" + block * whole + tail + struct.pack(">I", adler)


def pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF whose objects are numbered 1, 2, ... in the order given, with a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def one_page(resources: bytes, content: bytes, *, catalog: bytes = b"", page: bytes = b"",
             extra: tuple[bytes, ...] = (), content_filter: bytes = b"") -> bytes:
    """Catalog (1), pages (2), one page (3) with its content (4); `extra` objects are 5, 6, ..."""
    return pdf([b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << %s >> %s >>"
                % (resources, page),
                stream(content_filter, content), *extra])


def nested_forms(levels: int = 12, fanout: int = 8) -> bytes:
    """About 3 KB: each form XObject draws the next one `fanout` times, `levels` deep (8**12 drawings)."""
    forms = []
    for level in range(levels):
        number = 5 + level
        if level == levels - 1:
            forms.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792]", b"0 0 m 612 792 l S"))
        else:
            forms.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                                b"/Resources << /XObject << /X %d 0 R >> >>" % (number + 1), b"q /X Do Q " * fanout))
    return one_page(b"/XObject << /X 5 0 R >>", b"/X Do", extra=tuple(forms))


def huge_image_pdf(side: int = 40000) -> bytes:
    """About 1.5 MB: one page showing a side × side grey image (1.6 gigapixels of zeros, deflated)."""
    image = stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                   b"/BitsPerComponent 8 /Filter /FlateDecode" % (side, side), _zeros_zlib(side * side))
    return one_page(b"/XObject << /I 5 0 R >>", b"q 612 0 0 792 0 0 cm /I Do Q", extra=(image,))


def png_bomb(side: int = 7745) -> bytes:
    """About 466 KB: a side × side 16-bit RGBA PNG of zeros (480 MB of raw pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", side, side, 16, 6, 0, 0, 0)
    pixels = _zeros_zlib(side * (1 + side * 8))  # each row: filter byte 0, then 8 bytes a pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# --- PDFs with active content the old byte search did not see ------------------------------------

PLAIN_PAGE = (b"", b"0 0 m 100 100 l S")


def javascript_with_escaped_name() -> bytes:
    """/J#61vaScript is /JavaScript once the name's escapes are read."""
    return one_page(*PLAIN_PAGE, catalog=b"/Names << /J#61vaScript 5 0 R >>",
                    extra=(b"<< /Names [(a) << /S /J#61vaScript /J#53 (app.alert(1)) >>] >>",))


def javascript_behind_a_comment() -> bytes:
    """/JS followed at once by a comment: the byte search wanted a delimiter after the name."""
    return one_page(*PLAIN_PAGE, catalog=b"/OpenAction 5 0 R",
                    extra=(b"<< /S /Java#53cript /JS%hidden\n(app.alert(1)) >>",))


def javascript_in_an_object_stream() -> bytes:
    """The action sits compressed inside an object stream: no byte of it shows in the file."""
    action = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    compressed = zlib.compress(b"6 0 " + action)
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               stream(b"", b"0 0 m 100 100 l S"),
               stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", compressed)]
    return _with_xref_stream(objects, in_stream={6: (5, 0)})


def _with_xref_stream(objects: list[bytes], *, in_stream: dict[int, tuple[int, int]]) -> bytes:
    """Objects 1..n written plainly, objects of `in_stream` inside an object stream, and a cross-reference
    stream (PDF 1.5) saying where each is."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_number = len(objects) + len(in_stream) + 1
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offset, 0) for offset in offsets]
    rows += [struct.pack(">BIH", 2, container, index) for container, index in in_stream.values()]
    start = len(out)
    rows.append(struct.pack(">BIH", 1, start, 0))
    out += b"%d 0 obj\n%s\nendobj\n" % (xref_number, stream(
        b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1), b"".join(rows)))
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


def uri_on_open() -> bytes:
    """Opening the file calls a web address (a tracker, or worse)."""
    return one_page(*PLAIN_PAGE, catalog=b"/OpenAction << /S /URI /URI (https://evil.example/seen) >>")


def launch_action() -> bytes:
    return one_page(*PLAIN_PAGE, catalog=b"/OpenAction << /S /L#61unch /F (cmd.exe) >>")


def embedded_file() -> bytes:
    return one_page(*PLAIN_PAGE, catalog=b"/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>",
                    extra=(b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                           stream(b"/Type /Embedded#46ile", b"MZ")))


def xfa_form() -> bytes:
    return one_page(*PLAIN_PAGE, catalog=b"/AcroForm << /Fields [] /XFA 5 0 R >>",
                    extra=(stream(b"", b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>"),))


def link_on_click() -> bytes:
    """A plain link the reader clicks: not active content."""
    return one_page(*PLAIN_PAGE, page=b"/Annots [5 0 R]",
                    extra=(b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] "
                           b"/A << /S /URI /URI (https://example.org/) >> >>",))


ACTIVE_PDFS = {
    "escaped-javascript-name": javascript_with_escaped_name,
    "javascript-behind-a-comment": javascript_behind_a_comment,
    "javascript-in-an-object-stream": javascript_in_an_object_stream,
    "uri-on-open": uri_on_open,
    "launch": launch_action,
    "embedded-file": embedded_file,
    "xfa": xfa_form,
}


def endless_drawing(strokes: int = 2_000_000) -> bytes:
    """About 90 KB that pass every structural check: one page of two million strokes across it, deflated."""
    return one_page(b"", zlib.compress(b"0 0 m 612 792 l S\n" * strokes, 9), content_filter=b"/Filter /FlateDecode")
