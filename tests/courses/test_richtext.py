from courses.richtext import render_lesson_body


def test_headings_paragraphs_quoted_articles_lists_and_bold():
    text = "\n".join(
        [
            "# 第一节 总则",
            "## 立法目的",
            "民法典是**社会生活的百科全书**，",
            "共七编。",
            "",
            "> 第一条 为了保护民事主体的合法权益，……",
            "> 第二条 民法调整平等主体的……",
            "- 自愿",
            "- 公平",
            "最后一段。",
        ]
    )
    assert render_lesson_body(text) == "\n".join(
        [
            "<h2>第一节 总则</h2>",
            "<h3>立法目的</h3>",
            "<p>民法典是<strong>社会生活的百科全书</strong>，<br>共七编。</p>",
            '<blockquote class="article"><p><span class="article-no">第一条</span> 为了保护民事主体的合法权益，……</p>'
            '<p><span class="article-no">第二条</span> 民法调整平等主体的……</p></blockquote>',
            "<ul><li>自愿</li><li>公平</li></ul>",
            "<p>最后一段。</p>",
        ]
    )


def test_markup_written_into_a_lesson_is_shown_not_run():
    html = render_lesson_body('<script>alert("x")</script>\n\n> <b onclick=1>第三条</b>\n\n# <i>标题</i>')
    assert "<script>" not in html and "<b " not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<h2>&lt;i&gt;标题&lt;/i&gt;</h2>" in html


def test_article_numbers_with_large_chinese_numerals_are_marked():
    assert render_lesson_body("> 第一百八十八条 向人民法院请求保护民事权利的诉讼时效期间为三年。") == (
        '<blockquote class="article"><p><span class="article-no">第一百八十八条</span> '
        "向人民法院请求保护民事权利的诉讼时效期间为三年。</p></blockquote>"
    )
