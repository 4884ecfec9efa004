from reparo_shared.files.names import MAX_NAME_LENGTH, safe_display_name, with_extension


def test_safe_display_name_keeps_chinese_and_drops_the_path():
    assert safe_display_name("../../etc/维修 照片 1.jpg") == "维修 照片 1.jpg"
    assert safe_display_name("C:\\Users\\张三\\发票.pdf") == "发票.pdf"


def test_safe_display_name_removes_control_and_reserved_characters():
    assert safe_display_name('a\x00b\x07<c>:"d".jpg') == "ab_c___d_.jpg"
    assert safe_display_name("  many    spaces\t.png ") == "many spaces .png"


def test_safe_display_name_never_returns_a_dot_name_or_empty():
    assert safe_display_name("..") == "file"
    assert safe_display_name("../") == "file"
    assert safe_display_name(".bashrc") == "bashrc"
    assert safe_display_name(None) == "file"
    assert safe_display_name("///", default="upload") == "upload"


def test_safe_display_name_shortens_long_names_keeping_the_extension():
    name = safe_display_name("照" * 300 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("照.pdf")


def test_with_extension_replaces_the_heic_extension():
    assert with_extension("IMG_0001.HEIC", "jpg") == "IMG_0001.jpg"
    assert with_extension("报告", "pdf") == "报告.pdf"
