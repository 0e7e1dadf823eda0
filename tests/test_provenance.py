"""Generator traces, from files the test writes the way generators write them."""


from PIL import Image, PngImagePlugin

from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imagefactory import encode, textured


def _png(text: dict) -> bytes:
    info = PngImagePlugin.PngInfo()
    for k, v in text.items():
        info.add_text(k, v)
    return encode(textured(32, 32), "PNG", pnginfo=info)


def _codes(data: bytes, **kwargs) -> set[str]:
    return {f.code for f in run_analysis("provenance", load_image(data, name="x.png"), **kwargs).findings}


def test_stable_diffusion_parameters():
    data = _png({"parameters": "a cat in a hat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, "
                               "CFG scale: 7, Seed: 42, Size: 512x512"})
    result = run_analysis("provenance", load_image(data, name="sd.png"))
    assert "generator-parameters" in {f.code for f in result.findings} and result.score == 1.0


def test_comfyui_graph():
    assert "generator-comfyui" in _codes(_png({"prompt": '{"3": {"class_type": "KSampler"}}', "workflow": "{}"}))


def test_iptc_digital_source_type_in_xmp():
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
           b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
           b'compositeWithTrainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>')
    data = encode(textured(32, 32), quality=90, xmp=xmp)
    assert "source-generated-parts" in _codes(data)
    camera = xmp.replace(b"compositeWithTrainedAlgorithmicMedia", b"digitalCapture")
    result = run_analysis("provenance", load_image(encode(textured(32, 32), quality=90, xmp=camera)))
    assert {f.code for f in result.findings} == {"source-camera"} and result.score is None


def test_a_generator_named_in_the_software_tag():
    exif = Image.Exif()
    exif[0x0131] = "Adobe Firefly Image 3"
    data = encode(textured(32, 32), quality=90, exif=exif.tobytes())
    assert "generator-named" in _codes(data)


def test_a_camera_photo_has_no_traces_and_no_score():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 40D"
    result = run_analysis("provenance", load_image(encode(textured(32, 32), quality=90, exif=exif.tobytes())))
    assert result.findings == () and result.score is None
