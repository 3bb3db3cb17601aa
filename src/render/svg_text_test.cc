#include "render/svg_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace ongpu::svg {
namespace {

TEST(SvgText, NumbersAreAlwaysFinite) {
  EXPECT_EQ(num(1.26), "1.3");
  EXPECT_EQ(num(std::numeric_limits<double>::infinity()), "0.0");
  EXPECT_EQ(num(std::numeric_limits<double>::quiet_NaN()), "0.0");
}

TEST(SvgText, XmlTextEscapesAndReplacesWhatXmlCannotHold) {
  EXPECT_EQ(xml_text("a<b>&\"c'", 100), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_text(std::string("x\0y", 3), 100), "x?y");
  EXPECT_EQ(xml_text("l1\nl2\tend", 100), "l1 l2 end");
  EXPECT_EQ(xml_text("bad \xff byte", 100), "bad ? byte");
  EXPECT_EQ(xml_text("\xef\xbf\xbe", 100), "?");
}

TEST(SvgText, XmlTextCutsAtCharactersNotBytes) {
  EXPECT_EQ(xml_text("ééééé", 5), "ééééé");
  EXPECT_EQ(xml_text("éééééé", 5), "éééé…");
}

TEST(SvgText, Elements) {
  std::string s;
  text(Out(s), 1, 2.5, "class=\"t\"", "hi");
  line(Out(s), 0, 0, 3, 4, "stroke=\"red\"");
  EXPECT_EQ(s,
            "<text x=\"1.0\" y=\"2.5\" class=\"t\">hi</text>\n"
            "<line x1=\"0.0\" y1=\"0.0\" x2=\"3.0\" y2=\"4.0\" stroke=\"red\"/>\n");
}

}  // namespace
}  // namespace ongpu::svg
