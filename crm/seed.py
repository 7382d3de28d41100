"""Load a deterministic demo data set with COPY.

Everything is derived from one `random.Random(random_seed)` per concern and from `today`, so two
runs with the same arguments write identical rows. Rows are plain tuples streamed into binary COPY;
foreign keys are dropped for the load and re-added (validated in one pass each) before commit,
because their per-row triggers would double the load time (95 s instead of 47 s for 200,000 members).
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import decimal
import gc
import json
import math
import random
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import update

from crm.auth.passwords import hash_password
from crm.callbacks.demo import fill_call_history
from crm.callbacks.models import Callback
from crm.config import BUSINESS_TZ
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    Channel,
    DealerTier,
    DealerVisitPurpose,
    Department,
    FeedbackCause,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    Gender,
    MemberStatus,
    MemberTier,
    NonConversionReason,
    PartyKind,
    PaymentStanding,
    Region,
    Role,
    StoreKind,
    TargetScope,
    VisitKind,
)
from crm.feedback.demo import fill_clocks as fill_feedback_clocks
from crm.targets.demo import mark_duplicates

Row = tuple[Any, ...]
T = TypeVar("T")

# Insertion order; also the order of SeedReport.counts.
TABLES = (
    "dealer",
    "store",
    "staff",
    "member",
    "visit",
    "feedback",
    "feedback_event",
    "callback",
    "callback_attempt",
    "enrolment_target",
)

UTC = dt.UTC
DORMANT_AFTER_DAYS = 180
HISTORY_YEARS = 3


# One sign-in per role for trying the app (README "Demo users"); every other account has no password.
DEMO_PASSWORD = "crm-demo-2026"  # noqa: S105  (documented demo password)
DEMO_USERS = ("admin", "supervisor", "vip.east", "staff.s0001", "reception.east", "clerk.east", "marketing")


class SeedError(Exception):
    """The demo data cannot be loaded (the database already has data)."""


@dataclass(frozen=True)
class SeedReport:
    """What a seed run wrote and how long it took."""

    counts: dict[str, int]  # table name -> rows inserted
    seconds: float
    planned: int = 0  # calls the planning policies added for the coming week
    plan_seconds: float = 0.0


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------

REGION_LABELS = {
    Region.EAST: "華東",
    Region.SOUTH: "華南",
    Region.NORTH: "華北",
    Region.CENTRAL: "華中",
    Region.SOUTHWEST: "西南",
    Region.NORTHWEST: "西北",
    Region.NORTHEAST: "東北",
}

# city -> (district, street or mall); the street names the store ("上海南京西路店").
CITIES: dict[Region, dict[str, list[tuple[str, str]]]] = {
    Region.EAST: {
        "上海": [
            ("靜安區", "南京西路"),
            ("黃浦區", "淮海中路"),
            ("徐匯區", "徐家匯"),
            ("浦東新區", "陸家嘴"),
            ("長寧區", "中山公園"),
            ("楊浦區", "五角場"),
        ],
        "杭州": [("上城區", "湖濱"), ("拱墅區", "武林廣場"), ("濱江區", "江南大道"), ("西湖區", "文三路")],
        "南京": [("秦淮區", "新街口"), ("鼓樓區", "湖南路"), ("建鄴區", "河西萬達"), ("玄武區", "珠江路")],
        "蘇州": [("姑蘇區", "觀前街"), ("工業園區", "圓融時代"), ("吳中區", "石湖")],
        "寧波": [("海曙區", "天一廣場"), ("鄞州區", "萬達廣場")],
        "合肥": [("廬陽區", "淮河路"), ("蜀山區", "之心城")],
        "廈門": [("思明區", "中山路"), ("湖里區", "萬達廣場")],
        "青島": [("市南區", "中山路"), ("嶗山區", "萬象城")],
    },
    Region.SOUTH: {
        "廣州": [("天河區", "天河路"), ("越秀區", "北京路"), ("海珠區", "江南西"), ("番禺區", "市橋")],
        "深圳": [("南山區", "海岸城"), ("福田區", "華強北"), ("羅湖區", "東門"), ("龍崗區", "萬科廣場")],
        "東莞": [("南城區", "鴻福路"), ("東城區", "東城萬達")],
        "佛山": [("禪城區", "祖廟"), ("南海區", "桂城")],
        "南寧": [("青秀區", "朝陽路"), ("西鄉塘區", "萬達")],
        "海口": [("龍華區", "明珠廣場")],
    },
    Region.NORTH: {
        "北京": [
            ("朝陽區", "三里屯"),
            ("西城區", "西單"),
            ("海淀區", "中關村"),
            ("東城區", "王府井"),
            ("豐台區", "方莊"),
        ],
        "天津": [("和平區", "濱江道"), ("南開區", "大悅城"), ("河西區", "友誼路")],
        "石家莊": [("長安區", "北國商城"), ("橋西區", "萬達")],
        "太原": [("小店區", "親賢街"), ("迎澤區", "柳巷")],
        "呼和浩特": [("新城區", "中山路")],
    },
    Region.CENTRAL: {
        "武漢": [("江漢區", "江漢路"), ("武昌區", "楚河漢街"), ("洪山區", "光谷"), ("江岸區", "武廣")],
        "長沙": [("天心區", "黃興路"), ("芙蓉區", "五一廣場"), ("岳麓區", "梅溪湖")],
        "鄭州": [("二七區", "德化街"), ("金水區", "花園路")],
        "南昌": [("東湖區", "中山路"), ("紅谷灘區", "萬達")],
    },
    Region.SOUTHWEST: {
        "成都": [("錦江區", "春熙路"), ("武侯區", "來福士"), ("高新區", "天府大道"), ("金牛區", "萬達")],
        "重慶": [("渝中區", "解放碑"), ("江北區", "觀音橋"), ("沙坪壩區", "三峽廣場")],
        "昆明": [("五華區", "南屏街"), ("盤龍區", "北京路")],
        "貴陽": [("南明區", "花果園"), ("雲岩區", "中華路")],
    },
    Region.NORTHWEST: {
        "西安": [("雁塔區", "小寨"), ("碑林區", "鐘樓"), ("未央區", "北大街")],
        "蘭州": [("城關區", "西關什字"), ("七里河區", "萬達")],
        "銀川": [("興慶區", "新華街")],
        "西寧": [("城中區", "大十字")],
    },
    Region.NORTHEAST: {
        "瀋陽": [("沈河區", "中街"), ("和平區", "太原街"), ("渾南區", "萬象匯")],
        "哈爾濱": [("道里區", "中央大街"), ("南崗區", "秋林")],
        "長春": [("朝陽區", "紅旗街"), ("南關區", "重慶路")],
        "大連": [("中山區", "青泥窪橋"), ("沙河口區", "西安路")],
    },
}

# (city, street) of the self-operated flagship stores; the first is store 1, home of the demo users.
SELF_OPERATED = [
    ("上海", "南京西路"),
    ("杭州", "湖濱"),
    ("北京", "三里屯"),
    ("廣州", "天河路"),
    ("成都", "春熙路"),
    ("武漢", "江漢路"),
    ("西安", "小寨"),
    ("瀋陽", "中街"),
]

DEALER_REGION_WEIGHTS = {
    Region.EAST: 30,
    Region.SOUTH: 20,
    Region.NORTH: 15,
    Region.CENTRAL: 12,
    Region.SOUTHWEST: 12,
    Region.NORTHWEST: 5,
    Region.NORTHEAST: 6,
}

SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅鄭梁謝宋唐許韓馮鄧曹彭曾蕭田董潘袁蔡蔣余于杜葉程魏蘇呂丁任沈姚盧"
# The twenty most common surnames carry most of the weight, as in the population.
SURNAME_WEIGHTS = [8.0] * 20 + [1.5] * (len(SURNAMES) - 20)
FEMALE_CHARS = "麗婷雅靜敏穎慧瑤欣佳琳曉雪芳潔思雨夢詩可怡蕾萍紅玲梅丹蓉薇倩燕娟霞秀蘭琪悅嘉"
MALE_CHARS = "偉強磊軍洋勇傑濤明超鵬浩宇志建俊峰剛輝凱晨博文斌鑫亮華平東林飛斌毅"
NEUTRAL_CHARS = "子一安心思晨嘉文彤然"

# Mainland mobile prefixes that phonenumbers accepts as valid; the common ones weigh more.
PHONE_PREFIXES = (
    [(p, 3.0) for p in range(130, 140)]
    + [(p, 2.5) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)]
    + [(p, 0.6) for p in (166, 170, 171, 173, 175, 176, 177, 178)]
    + [(p, 2.5) for p in range(180, 190)]
    + [(p, 1.0) for p in (198, 199)]
)

# (sku, name, price in yuan, popularity)
CATALOGUE: list[tuple[str, str, int, float]] = [
    ("SH-2041", "輕跑鞋", 399, 9),
    ("SH-2105", "緩震跑鞋", 699, 6),
    ("SH-2210", "休閒板鞋", 359, 7),
    ("SH-2236", "老爹鞋", 529, 5),
    ("SH-2302", "帆布鞋", 259, 5),
    ("SH-2318", "皮面休閒鞋", 799, 3),
    ("SH-2420", "登山鞋", 899, 2),
    ("SH-2455", "樂福鞋", 659, 3),
    ("SH-2517", "短靴", 899, 3),
    ("SH-2560", "小白鞋", 429, 8),
    ("AP-3012", "速乾T恤", 199, 8),
    ("AP-3018", "純棉T恤", 219, 7),
    ("AP-3105", "衛衣", 399, 6),
    ("AP-3140", "連帽外套", 599, 4),
    ("AP-3201", "羽絨服", 1299, 3),
    ("AP-3222", "輕薄羽絨背心", 699, 2),
    ("AP-3250", "風衣", 999, 2),
    ("AP-3288", "針織開衫", 459, 3),
    ("AP-3310", "休閒褲", 359, 5),
    ("AP-3326", "牛仔褲", 459, 5),
    ("AP-3340", "運動褲", 299, 5),
    ("AP-3352", "瑜伽褲", 329, 4),
    ("AP-3410", "連衣裙", 569, 3),
    ("AP-3428", "半身裙", 399, 2),
    ("AP-3455", "防曬衣", 299, 3),
    ("AP-3502", "衝鋒衣", 1599, 1),
    ("AP-3560", "羊毛大衣", 1999, 1),
    ("AC-4010", "雙肩包", 399, 3),
    ("AC-4022", "腰包", 199, 2),
    ("AC-4031", "棒球帽", 199, 3),
    ("AC-4045", "運動襪三雙裝", 199, 3),
    ("AC-4058", "羊絨圍巾", 299, 1),
]
MAX_PURCHASE_CENTS = 599_900

COLOURS = ["黑色", "白色", "米白", "灰色", "藏青", "卡其", "軍綠", "酒紅", "粉色", "天藍"]
STYLES = ["休閒", "通勤", "運動", "戶外", "街頭", "簡約", "復古"]
TOP_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
LIFE_TAGS = ["寶媽", "通勤族", "運動愛好者", "戶外愛好者", "上班族"]
HABIT_TAGS = ["喜歡新品", "價格敏感", "團購客戶", "線上活躍", "只買折扣款", "老客戶", "愛推薦朋友"]
MEMBER_NOTES = [
    "喜歡週末下午來店，偏好安靜的試穿區。",
    "對羊毛過敏，推薦時避開羊毛面料。",
    "公司團購聯繫人，每年年底採購工服。",
    "需要大碼，新款到店請優先通知。",
    "常幫家人買童裝和老人鞋。",
    "只接受微信聯繫，工作時間不方便接電話。",
    "腳背較高，鞋子建議大半碼。",
    "馬拉松愛好者，關注跑鞋新品。",
]
VISIT_NOTES = [
    "試穿了新款，尺碼缺貨，已登記到貨通知。",
    "來看秋冬新品，沒有合適的顏色。",
    "陪朋友逛店，順便了解會員活動。",
    "來店領取生日禮品。",
    "來店參加會員日活動。",
]

DEALER_WORDS = [
    "悅動",
    "恒通",
    "華盛",
    "博遠",
    "嘉禾",
    "鴻運",
    "錦程",
    "盛達",
    "金鼎",
    "天成",
    "新源",
    "立信",
    "宏圖",
    "眾興",
    "瑞祥",
    "恒泰",
    "永盛",
    "德潤",
    "匯川",
    "振華",
]
DEALER_TRADES = ["服飾", "鞋業", "商貿", "體育用品", "貿易"]
DEALER_PERSONALITY = [
    "性格爽快，說話直接",
    "做事謹慎，下單前反復比價",
    "重視長期合作，講信用",
    "比較強勢，喜歡討價還價",
    "年輕老闆，對新品和線上營銷很感興趣",
    "家族生意，決策要等老闆拍板",
    "溝通順暢，回覆及時",
    "注重門店形象，願意投入裝修",
]
DEALER_SALES = [
    "跑鞋和休閒鞋佔六成以上",
    "服裝類增長快，鞋類持平",
    "羽絨服是冬季主力",
    "童裝偏弱，想減少訂量",
    "戶外系列賣得好",
    "小白鞋是常年暢銷款",
]
DEALER_CONCERNS = [
    "關注補貨週期和次品退換速度",
    "希望總部加大區域廣告投放",
    "擔心電商低價影響門店",
    "希望放寬季末退貨比例",
    "需要更多陳列和銷售培訓",
    "回款壓力大，希望延長賬期",
    "反映區域內有竄貨現象",
]
SHOWROOM_NOTES = {
    DealerVisitPurpose.SEE_GOODS: ["看了新季樣品，對羽絨服和跑鞋興趣大。", "帶店長來看陳列樣板。", "了解下季主推款。"],
    DealerVisitPurpose.ORDER: ["補訂暢銷款。", "下季期貨訂單。", "訂了主推款和部分童裝。"],
    DealerVisitPurpose.RETURN_DEFECTIVE: ["退回開膠次品。", "退回色差和脫線次品。", "退回運輸破損的貨品。"],
}
DEFECTS = ["開膠", "脫線", "色差", "污漬", "拉鍊損壞"]

DEPARTMENT_LABELS = {
    Department.PRODUCTION: "生產部",
    Department.QUALITY: "品管部",
    Department.SERVICE: "客服部",
    Department.LOGISTICS: "物流部",
    Department.SALES: "銷售部",
    Department.OTHER: "綜合部",
}


@dataclass(frozen=True, slots=True)
class _Case:
    """A kind of feedback as it typically runs: what is said, who owns it, how it ends."""

    kind: FeedbackKind
    content: str
    department: Department
    cause: FeedbackCause
    solution: str
    review: str


MEMBER_CASES = [
    _Case(
        FeedbackKind.COMPLAINT,
        "買的{product}穿了不到兩個月就開膠了，希望退換。",
        Department.PRODUCTION,
        FeedbackCause.PRODUCTION,
        "為顧客免費換新一雙，並贈送鞋類護理套裝。",
        "同批次鞋底膠水問題，已要求工廠加強出廠檢驗。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "{product}實物和網上圖片有色差，顏色偏暗。",
        Department.SALES,
        FeedbackCause.OTHER,
        "提供換色或退貨，並補發五十元優惠券。",
        "電商組已重拍商品圖片並加註色差說明。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "{product}尺碼偏小，換了一次還是不合適。",
        Department.PRODUCTION,
        FeedbackCause.PRODUCTION,
        "協助換大一碼，並在尺碼表中加註偏小提示。",
        "已反饋設計部調整版型。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "在{store}試穿時店員態度冷淡，叫了兩次都沒人理。",
        Department.SERVICE,
        FeedbackCause.SERVICE,
        "店長當面致歉並贈送積分，涉事店員重新培訓。",
        "納入門店月度服務考核，週會通報。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "會員積分沒有到賬，問了店裡說不清楚。",
        Department.SALES,
        FeedbackCause.OTHER,
        "系統補錄積分，並發短信確認。",
        "收銀系統同步故障已修復。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "說好的會員折扣結賬時沒有給。",
        Department.SERVICE,
        FeedbackCause.SERVICE,
        "退還差價，店長致歉。",
        "重申會員價政策，收銀員重新培訓。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "網上下單的{product}一週還沒發貨。",
        Department.LOGISTICS,
        FeedbackCause.LOGISTICS,
        "加急發貨並補償運費券。",
        "已與快遞公司重新約定發貨時效。",
    ),
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "{product}洗了一次就縮水起球。",
        Department.QUALITY,
        FeedbackCause.QUALITY,
        "全額退款，顧客另選一件。",
        "面料供應商已整改，加抽檢。",
    ),
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "{product}鞋頭處脫線。",
        Department.QUALITY,
        FeedbackCause.PRODUCTION,
        "免費換新。",
        "車縫工序已加強檢查。",
    ),
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "{product}拉鍊容易卡住。",
        Department.QUALITY,
        FeedbackCause.QUALITY,
        "換新並檢查同批次庫存。",
        "拉鍊供應商更換。",
    ),
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "{product}掉色，把裡面的衣服染了。",
        Department.QUALITY,
        FeedbackCause.QUALITY,
        "退款並賠償被染衣物。",
        "染色牢度檢測標準提高。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "希望{product}能多出幾個顏色。",
        Department.SALES,
        FeedbackCause.OTHER,
        "已轉產品部，下季考慮增加配色。",
        "建議已採納，列入下季企劃。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "建議{store}增加試衣間，週末排隊太久。",
        Department.OTHER,
        FeedbackCause.OTHER,
        "門店改造時增加兩個試衣間。",
        "已列入門店改造計劃。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "希望會員生日禮可以自選。",
        Department.SALES,
        FeedbackCause.OTHER,
        "會員部評估後改為三選一。",
        "新生日禮方案下月上線。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "建議增加線上預約試穿。",
        Department.SALES,
        FeedbackCause.OTHER,
        "已列入小程序需求。",
        "小程序預約功能排期開發。",
    ),
    _Case(
        FeedbackKind.PRAISE,
        "{store}的店員很耐心，幫我挑了合適的鞋碼。",
        Department.SERVICE,
        FeedbackCause.SERVICE,
        "表揚轉達店長，記入員工月度考核。",
        "作為服務案例在區域例會分享。",
    ),
    _Case(
        FeedbackKind.PRAISE,
        "換貨很快，服務很好，點讚。",
        Department.SERVICE,
        FeedbackCause.SERVICE,
        "感謝顧客，表揚轉達門店。",
        "門店服務表揚一次。",
    ),
    _Case(
        FeedbackKind.PRAISE,
        "{product}質量不錯，穿了一年還很新。",
        Department.QUALITY,
        FeedbackCause.OTHER,
        "感謝顧客並贈送積分。",
        "轉產品部作為口碑素材。",
    ),
]
MEMBER_KIND_WEIGHTS = {
    FeedbackKind.COMPLAINT: 40,
    FeedbackKind.QUALITY_REPORT: 20,
    FeedbackKind.SUGGESTION: 25,
    FeedbackKind.PRAISE: 15,
}
DEALER_CASES = [
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "這批{product}次品率偏高，約有{n}件開膠或脫線。",
        Department.QUALITY,
        FeedbackCause.PRODUCTION,
        "次品全部退回換新，並補償運費。",
        "工廠返工並提高抽檢比例。",
    ),
    _Case(
        FeedbackKind.QUALITY_REPORT,
        "上週到貨的{product}有色差，客人退貨多。",
        Department.QUALITY,
        FeedbackCause.QUALITY,
        "同批次貨品可退換。",
        "染色批次管控加強。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "訂貨後十天還沒發貨，影響門店銷售。",
        Department.LOGISTICS,
        FeedbackCause.LOGISTICS,
        "優先安排發貨，補償部分運費。",
        "倉庫增加旺季人手。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "返修的次品一個月還沒退回。",
        Department.QUALITY,
        FeedbackCause.LOGISTICS,
        "加急處理返修並直接換新。",
        "返修流程時限改為十個工作日。",
    ),
    _Case(
        FeedbackKind.COMPLAINT,
        "區域內有其他店低價竄貨。",
        Department.SALES,
        FeedbackCause.OTHER,
        "銷售部核查並約談相關經銷商。",
        "竄貨處罰條款已重申。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "希望總部多提供陳列培訓。",
        Department.SALES,
        FeedbackCause.OTHER,
        "安排區域陳列培訓。",
        "每季度一次陳列培訓。",
    ),
    _Case(
        FeedbackKind.SUGGESTION,
        "建議暢銷款提前備貨。",
        Department.SALES,
        FeedbackCause.OTHER,
        "暢銷款安全庫存上調。",
        "已調整備貨計劃。",
    ),
    _Case(
        FeedbackKind.PRAISE,
        "新品訂貨會安排得很好，樣品齊全。",
        Department.SALES,
        FeedbackCause.OTHER,
        "感謝經銷商支持。",
        "訂貨會流程保持。",
    ),
]
NOT_UPHELD_NOTES = [
    "經核實，商品已穿著超過一年且磨損明顯，不屬於質量問題，已耐心說明保養方法。",
    "商品已過退換期且已洗滌，按規定不予退換，已向顧客說明並贈送護理券。",
    "要求全額賠償超出政策範圍，已婉轉說明，顧客表示理解。",
    "經查監控與收銀記錄，情況與描述不符，已向顧客說明。",
]
ASSESSMENT_NOTES = {
    FeedbackKind.COMPLAINT: [
        "情況屬實，訴求合理，轉{dept}處理，已告知顧客三個工作日內回覆。",
        "已受理，轉{dept}跟進，承諾48小時內回覆顧客。",
        "訴求合理，由{dept}負責調查。",
    ],
    FeedbackKind.QUALITY_REPORT: [
        "已收回樣品，轉{dept}檢測，三個工作日內回覆。",
        "質量問題屬實，由{dept}調查同批次貨品。",
    ],
    FeedbackKind.SUGGESTION: ["建議有參考價值，轉{dept}評估。", "已記錄，由{dept}研究可行性。"],
    FeedbackKind.PRAISE: ["表揚屬實，轉{dept}核實並表彰。", "已感謝客戶，由{dept}跟進表揚。"],
}

R = NonConversionReason
# purpose -> (outcome notes when it went well, (outcome note, why the member did not come back or buy) otherwise)
CALLBACK_NOTES: dict[CallbackPurpose, tuple[list[str], list[tuple[str, NonConversionReason | None]]]] = {
    CallbackPurpose.SATISFACTION: (
        [
            "顧客對新買的{product}很滿意，表示下次還會來。",
            "反映{product}穿著舒適，建議多出幾個顏色。",
            "對店員服務評價很好，已提醒下月會員日。",
        ],
        [
            ("覺得{product}尺碼偏小，已邀請到店免費換碼。", R.SIZE),
            ("覺得價格偏高，等打折再來。", R.PRICE),
            ("對試穿等候時間不滿意，已致歉。", R.SERVICE),
            ("{product}穿了幾次有點起球，已提醒可以到店處理。", R.QUALITY),
        ],
    ),
    CallbackPurpose.BIRTHDAY: (
        ["已送上生日祝福並告知生日月雙倍積分。", "顧客很開心，說週末去店裡領生日禮。", "已發送生日券，顧客表示感謝。"],
        [("顧客表示最近不方便到店，生日券先保留。", R.OTHER), ("已送祝福，顧客對禮品不感興趣。", R.OTHER)],
    ),
    CallbackPurpose.REACTIVATION: (
        ["顧客說最近太忙，答應月底來看新款。", "已介紹秋冬新品，顧客有興趣。"],
        [
            ("顧客表示已搬家，離門店太遠。", R.MOVED),
            ("最近在網上買得多，覺得門店價格高。", R.PRICE),
            ("覺得上季款式不喜歡，已介紹新款。", R.STYLE),
            ("在別的品牌辦了會員，覺得那邊折扣多。", R.COMPETITOR),
            ("上次買的鞋開膠了，對質量有顧慮。", R.QUALITY),
            ("工作太忙很少逛街，已加企業微信。", R.OTHER),
        ],
    ),
    CallbackPurpose.PROMOTION: (
        ["已告知會員專享折扣，顧客有興趣。", "顧客說週末會帶朋友一起來。", "已發送優惠券並提醒有效期。"],
        [
            ("覺得折扣力度不夠。", R.PRICE),
            ("對今年新款風格不太喜歡。", R.STYLE),
            ("喜歡的款式沒有合適尺碼。", R.SIZE),
            ("最近沒有購物計劃。", R.OTHER),
        ],
    ),
    CallbackPurpose.COMPLAINT_FOLLOW_UP: (
        ["確認處理結果，顧客滿意，感謝跟進。", "換貨後使用正常，顧客表示認可。", "顧客對處理速度滿意。"],
        [("顧客接受處理結果，但希望品質再提升。", R.QUALITY), ("顧客仍有些不滿，已記錄並轉主管。", R.SERVICE)],
    ),
    CallbackPurpose.DEALER_SALES_TALK: (
        [
            "本週銷售約{n}萬元，跑鞋走得快，需補S碼。",
            "新店客流不錯，詢問下季訂貨會時間。",
            "週末活動效果好，庫存正常。",
        ],
        [
            ("反映春款到貨晚了一週，影響週末銷售。", None),
            ("童裝庫存偏高，希望調貨。", None),
            ("客流下滑，擔心商場裝修影響。", None),
        ],
    ),
    CallbackPurpose.PAYMENT_REMINDER: (
        ["已提醒上月貨款，對方承諾本週內匯款。", "財務說月底前安排匯款。", "貨款已到賬，已致謝。"],
        [("已匯一半，餘款下週。", None), ("對方表示資金緊張，申請延期兩週，已報告主管。", None)],
    ),
    CallbackPurpose.OTHER: (
        ["核對會員資料，已更新聯繫方式。", "通知預訂的款式已到店。"],
        [("會員資料核對，部分信息不願提供。", None)],
    ),
}
# Share of completed calls that did not lead to a visit or a purchase, per purpose.
UNCONVERTED_P = {CallbackPurpose.REACTIVATION: 0.75, CallbackPurpose.PROMOTION: 0.45}
UNREACHABLE_NOTES = ["連續三次未接通，已發短信。", "電話無人接聽，微信未回覆。", "號碼暫時無法接通。"]
CANCELLED_NOTES = ["會員已主動到店，取消回訪。", "活動取消，不再通知。", "重複任務，取消。", "會員要求不要再打電話。"]
OPEN_ATTEMPT_NOTES = ["未接通，明天再撥。", "顧客說在開會，晚點再聯繫。"]
PLAN_NOTES: dict[CallbackPurpose, list[str]] = {
    CallbackPurpose.SATISFACTION: ["購買後三天滿意度回訪。"],
    CallbackPurpose.BIRTHDAY: ["生日祝福，告知生日禮。"],
    CallbackPurpose.REACTIVATION: ["超過半年未到店，了解原因並邀請回店。"],
    CallbackPurpose.PROMOTION: ["傳達{campaign}會員優惠。"],
    CallbackPurpose.COMPLAINT_FOLLOW_UP: ["投訴處理後回訪，確認滿意度。"],
    CallbackPurpose.DEALER_SALES_TALK: ["每週銷售與庫存溝通。"],
    CallbackPurpose.PAYMENT_REMINDER: ["提醒上月貨款。"],
    CallbackPurpose.OTHER: ["核對會員資料。", "新品到店通知。"],
}
# (month, day, name) of the campaigns that VIP managers pass on to members.
CAMPAIGNS = [
    (1, 15, "年貨節"),
    (3, 8, "女王節"),
    (6, 18, "年中大促"),
    (9, 15, "週年慶"),
    (11, 11, "雙11"),
    (12, 12, "雙12"),
]

SATISFIED_TABLE = [3] * 10 + [4] * 35 + [5] * 55  # scores of calls that went well
UNSATISFIED_TABLE = [1] * 10 + [2] * 25 + [3] * 45 + [4] * 20  # scores of calls that did not
FEEDBACK_PATH = [
    FeedbackStatus.RECEIVED,
    FeedbackStatus.ASSESSED,
    FeedbackStatus.INVESTIGATING,
    FeedbackStatus.SOLUTION_PROPOSED,
    FeedbackStatus.RESOLVED,
    FeedbackStatus.RETURN_VISIT_DONE,
    FeedbackStatus.CLOSED,
]
# Days each step of the complaint loop takes (low, high), from the previous step: 'short, flat, fast'
# mostly works (about two cases in three resolved within the 72-hour clock), with a long tail.
STEP_DAYS = [(0.0, 0.0), (0.02, 0.6), (0.05, 0.8), (0.2, 1.8), (0.1, 1.5), (1.0, 6.0), (0.5, 8.0)]
EVENT_NOTES = {
    FeedbackStatus.RECEIVED: "已受理並登記。",
    FeedbackStatus.ASSESSED: "判斷為有效訴求，已告知回覆時間。",
    FeedbackStatus.NOT_UPHELD: "經核實不成立，已向客戶解釋。",
    FeedbackStatus.INVESTIGATING: "開始調查原因和責任人。",
    FeedbackStatus.SOLUTION_PROPOSED: "已提出處理方案。",
    FeedbackStatus.RESOLVED: "方案已實施，客戶接受。",
    FeedbackStatus.RETURN_VISIT_DONE: "已回訪，客戶確認滿意。",
    FeedbackStatus.CLOSED: "總結評價後結案。",
}


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------

SHOP_OPEN_S = 10 * 3600  # stores open 10:00-22:00 local
SHOP_SPAN_S = 12 * 3600
OFFICE_OPEN_S = 9 * 3600  # calls and casework 09:00-21:00 local
OFFICE_SPAN_S = 12 * 3600
SHOP_OFFSETS = [dt.timedelta(seconds=SHOP_OPEN_S + s) for s in range(SHOP_SPAN_S)]


def _local_midnight(day: dt.date) -> dt.datetime:
    """Return the UTC instant at which a business day starts."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=BUSINESS_TZ).astimezone(UTC)


def _years_before(day: dt.date, years: int) -> dt.date:
    """Return the same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _month_start(day: dt.date, delta: int = 0) -> dt.date:
    """Return the first day of the month `delta` months from `day`'s month."""
    index = day.year * 12 + day.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


class _Clock:
    """Day numbers: 0 is the first day of history, `ndays` is today; times before today only."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.d0 = _years_before(today, HISTORY_YEARS)
        self.ndays = (today - self.d0).days
        self.day_start = [_local_midnight(self.d0 + dt.timedelta(days=d)) for d in range(self.ndays + 1)]
        self.today_start = self.day_start[self.ndays]

    def date(self, day: int) -> dt.date:
        """Return the calendar date of a day number."""
        return self.d0 + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        """Return the day number of a calendar date."""
        return (date - self.d0).days

    def shop(self, x: float) -> dt.datetime:
        """Map a fractional day number onto the store's opening hours."""
        d = int(x)
        return self.day_start[d] + SHOP_OFFSETS[int((x - d) * SHOP_SPAN_S)]

    def office(self, x: float) -> dt.datetime:
        """Map a fractional day number onto office hours."""
        d = int(x)
        return self.day_start[d] + dt.timedelta(seconds=OFFICE_OPEN_S + int((x - d) * OFFICE_SPAN_S))

    def local(self, date: dt.date, hour: int) -> dt.datetime:
        """Return a local wall-clock hour on any date, in UTC."""
        return dt.datetime.combine(date, dt.time(hour), tzinfo=BUSINESS_TZ).astimezone(UTC)


def _enrol_weight(clock: _Clock, day: int) -> float:
    """Return a day's relative enrolment volume: steady growth, shopping festivals, busier weekends."""
    date = clock.date(day)
    season = {1: 1.2, 2: 0.85, 6: 1.25, 10: 1.15, 11: 1.4, 12: 1.15}.get(date.month, 1.0)
    weekend = 1.35 if date.weekday() >= 5 else 1.0
    return math.exp(1.1 * day / clock.ndays) * season * weekend


# ---------------------------------------------------------------------------
# The organisation: stores, dealers, staff
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Store:
    """A store as the generator keeps it (with its staff and how busy it is)."""

    id: int
    code: str
    name: str
    kind: StoreKind
    dealer_id: int | None
    region: Region
    city: str
    address: str
    opened_on: dt.date
    weight: float
    staff: list[int] = field(default_factory=list)
    staff_weights: list[float] = field(default_factory=list)


@dataclass(slots=True)
class _Dealer:
    """A dealer as the generator keeps it."""

    id: int
    code: str
    name: str
    region: Region
    city: str
    tier: DealerTier
    standing: PaymentStanding
    contact_name: str
    contact_phone: str
    personality: str
    concerns: str
    created_on: dt.date
    stores: list[int] = field(default_factory=list)
    receptionist_id: int = 0
    sales_clerk_id: int = 0


@dataclass(slots=True)
class _Staff:
    """A staff account as the generator keeps it."""

    id: int
    username: str
    display_name: str
    role: Role
    store_id: int | None
    region: Region | None
    phone: str
    capacity: int
    created_on: dt.date


class _Names:
    """Chinese personal names and unique mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = list(SURNAMES)
        self.surname_cum = list(_accumulate(SURNAME_WEIGHTS))
        self.prefixes = [p for p, _ in PHONE_PREFIXES]
        self.prefix_cum = list(_accumulate(w for _, w in PHONE_PREFIXES))
        self.phones_seen: set[int] = set()

    def person(self, gender: Gender) -> str:
        """Return a name: surname and one or two given characters."""
        rng = self.rng
        surname = self.surnames[bisect.bisect(self.surname_cum, rng.random() * self.surname_cum[-1])]
        pool = FEMALE_CHARS if gender == Gender.FEMALE else MALE_CHARS if gender == Gender.MALE else NEUTRAL_CHARS
        if rng.random() < 0.75:
            return surname + rng.choice(pool) + rng.choice(pool)
        return surname + rng.choice(pool)

    def phone(self) -> str:
        """Return a unique mainland mobile in E.164 (never a short test-style number)."""
        rng = self.rng
        while True:
            prefix = self.prefixes[bisect.bisect(self.prefix_cum, rng.random() * self.prefix_cum[-1])]
            # Suffixes below 100000 are left for hand-typed test numbers like 13800138000.
            suffix = rng.randrange(100_000, 100_000_000)
            number = prefix * 100_000_000 + suffix
            if number not in self.phones_seen:
                self.phones_seen.add(number)
                return f"+86{number}"


def _accumulate(values: Iterable[float]) -> Iterator[float]:
    """Yield running totals (cumulative weights for bisect)."""
    total = 0.0
    for value in values:
        total += value
        yield total


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    """Return an index drawn by cumulative weights."""
    return bisect.bisect(cum, rng.random() * cum[-1])


@dataclass(slots=True)
class _Org:
    """The organisation: stores, dealers, staff and who covers each region."""

    stores: list[_Store]
    dealers: list[_Dealer]
    staff: list[_Staff]
    managers: dict[Region, int]
    receptionists: dict[Region, int]
    clerks: dict[Region, int]
    region_stores: dict[Region, list[int]]


def _address(rng: random.Random, city: str, district: str, place: str) -> str:
    """Return a street address: a number on a road, or a unit in a mall."""
    floor = rng.choice(["1樓", "2樓", "B1層", "3樓"])
    if place.endswith(("路", "街", "道", "大道")):
        return f"{city}市{district}{place}{rng.randint(1, 399)}號{rng.choice(['', floor])}"
    if place.endswith(("廣場", "城", "匯", "時代", "士", "萬達", "大悅城")):
        return f"{city}市{district}{place}購物中心{floor}{rng.randint(101, 399)}號鋪"
    return f"{city}市{district}{place}步行街{rng.randint(1, 199)}號"


def _build_org(rng: random.Random, names: _Names, clock: _Clock, n_members: int) -> _Org:
    """Create dealers, stores and staff (small: a few hundred rows)."""
    used_streets: set[tuple[str, str]] = set()
    stores: list[_Store] = []

    def street_in(region: Region, city: str) -> tuple[str, str, str]:
        """Return a (city, district, street) without a store, preferring `city`."""
        options = [(c, d, s) for c, streets in CITIES[region].items() for d, s in streets if c == city]
        free = [o for o in options if (o[0], o[2]) not in used_streets]
        if not free:
            free = [
                (c, d, s) for c, streets in CITIES[region].items() for d, s in streets if (c, s) not in used_streets
            ]
        if free:
            chosen = rng.choice(free)
            used_streets.add((chosen[0], chosen[2]))
            return chosen
        # Every street of the region has a store already: a second one opens on one of them.
        return rng.choice(options)

    def add_store(
        kind: StoreKind,
        dealer: _Dealer | None,
        region: Region,
        city: str,
        street: tuple[str, str, str],
        opened_on: dt.date,
        weight: float,
    ) -> _Store:
        """Create the next store."""
        sid = len(stores) + 1
        c, district, road = street
        name = f"{c}{road}店"
        same = sum(1 for st in stores if st.name.startswith(name[:-1]))
        if same:
            name = f"{c}{road}{'二三四五六七八九'[min(same, 8) - 1]}店"
        store = _Store(
            id=sid,
            code=f"S{sid:04d}",
            name=name,
            kind=kind,
            dealer_id=dealer.id if dealer else None,
            region=region,
            city=c,
            address=_address(rng, c, district, road),
            opened_on=opened_on,
            weight=weight,
        )
        stores.append(store)
        if dealer:
            dealer.stores.append(sid)
        return store

    for city, road in SELF_OPERATED:
        region = next(r for r, cities in CITIES.items() if city in cities)
        district = next(d for d, s in CITIES[region][city] if s == road)
        used_streets.add((city, road))
        opened = dt.date(rng.randint(2012, 2020), rng.randint(1, 12), rng.randint(1, 28))
        add_store(StoreKind.SELF_OPERATED, None, region, city, (city, district, road), opened, rng.uniform(1.6, 2.4))

    n_dealers = 12 + n_members // 20_000
    regions = list(Region)
    region_cum = list(_accumulate(DEALER_REGION_WEIGHTS[r] for r in regions))
    dealers: list[_Dealer] = []
    dealer_names: set[str] = set()
    for i in range(n_dealers):
        region = regions[i] if i < len(regions) else regions[_pick(rng, region_cum)]
        cities = list(CITIES[region])
        city = cities[_pick(rng, list(_accumulate(1.0 / (k + 1) for k in range(len(cities)))))]
        while True:
            name = f"{city}{rng.choice(DEALER_WORDS)}{rng.choice(DEALER_TRADES)}有限公司"
            if name not in dealer_names:
                dealer_names.add(name)
                break
        gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
        dealer = _Dealer(
            id=i + 1,
            code=f"D{i + 1:04d}",
            name=name,
            region=region,
            city=city,
            tier=rng.choices([DealerTier.STRATEGIC, DealerTier.KEY, DealerTier.STANDARD], [15, 35, 50])[0],
            standing=rng.choices(list(PaymentStanding), [60, 20, 15, 5])[0],
            contact_name=names.person(gender),
            contact_phone=names.phone(),
            personality="；".join(rng.sample(DEALER_PERSONALITY, 2)) + "。",
            concerns="；".join(rng.sample(DEALER_CONCERNS, rng.randint(1, 2))) + "。",
            created_on=dt.date(rng.randint(2014, 2021), rng.randint(1, 12), rng.randint(1, 28)),
        )
        dealers.append(dealer)
        for k in range(rng.randint(2, 4)):
            store_city = city if k == 0 or rng.random() < 0.6 else rng.choice(cities)
            opened = dealer.created_on + dt.timedelta(days=rng.randint(30, 900))
            if opened >= clock.d0:
                opened = clock.d0 - dt.timedelta(days=rng.randint(30, 400))
            add_store(
                StoreKind.DEALER,
                dealer,
                region,
                store_city,
                street_in(region, store_city),
                opened,
                rng.uniform(0.5, 1.4),
            )
    # A few dealer stores opened during the history, so their members start later.
    dealer_stores = [s for s in stores if s.kind == StoreKind.DEALER]
    for store in dealer_stores[-3:]:
        store.opened_on = clock.date(rng.randrange(max(1, clock.ndays // 2)))
    for dealer in dealers:
        dealer.created_on = min([dealer.created_on] + [stores[s - 1].opened_on for s in dealer.stores])

    staff: list[_Staff] = []
    early = clock.d0 - dt.timedelta(days=400)

    def add_staff(
        username: str,
        role: Role,
        *,
        store: _Store | None = None,
        region: Region | None = None,
        created_on: dt.date = early,
    ) -> _Staff:
        """Create the next staff account."""
        gender = Gender.FEMALE if rng.random() < 0.65 else Gender.MALE
        member = _Staff(
            id=len(staff) + 1,
            username=username,
            display_name=names.person(gender),
            role=role,
            store_id=store.id if store else None,
            region=region,
            phone=names.phone(),
            capacity=rng.randint(30, 60),
            created_on=created_on,
        )
        staff.append(member)
        if store:
            store.staff.append(member.id)
            store.staff_weights.append(rng.uniform(0.5, 1.5))
        return member

    store1 = stores[0]
    add_staff("admin", Role.ADMIN)
    add_staff("supervisor", Role.SUPERVISOR)
    managers = {Region.EAST: add_staff("vip.east", Role.VIP_MANAGER, region=Region.EAST).id}
    add_staff("staff.s0001", Role.STORE_STAFF, store=store1, created_on=store1.opened_on)
    receptionists = {Region.EAST: add_staff("reception.east", Role.RECEPTIONIST, region=Region.EAST).id}
    clerks = {Region.EAST: add_staff("clerk.east", Role.SALES_CLERK, region=Region.EAST).id}
    add_staff("marketing", Role.MARKETING)
    for region in Region:
        if region == Region.EAST:
            continue
        key = region.value.lower()
        managers[region] = add_staff(f"vip.{key}", Role.VIP_MANAGER, region=region).id
        receptionists[region] = add_staff(f"reception.{key}", Role.RECEPTIONIST, region=region).id
        clerks[region] = add_staff(f"clerk.{key}", Role.SALES_CLERK, region=region).id
    for store in stores:
        first = 2 if store.id == 1 else 1
        for j in range(first, rng.randint(2, 3) + 1):
            username = f"staff.s{store.id:04d}" if j == 1 else f"staff.s{store.id:04d}.{j}"
            add_staff(username, Role.STORE_STAFF, store=store, created_on=store.opened_on)
    for dealer in dealers:
        dealer.receptionist_id = receptionists[dealer.region]
        dealer.sales_clerk_id = clerks[dealer.region]

    region_stores: dict[Region, list[int]] = {r: [] for r in Region}
    for store in stores:
        region_stores[store.region].append(store.id)
    return _Org(stores, dealers, staff, managers, receptionists, clerks, region_stores)


def _dealer_rows(org: _Org, clock: _Clock, rng: random.Random) -> Iterator[Row]:
    """Yield dealer rows, with a sales profile in the receptionist's words."""
    for d in org.dealers:
        k = len(d.stores)
        monthly = round(k * rng.uniform(15, 60))
        sales = f"{REGION_LABELS[d.region]}{d.city}，旗下{k}家店，月銷售約{monthly}萬元；{rng.choice(DEALER_SALES)}。"
        created = clock.local(d.created_on, 10)
        yield (
            d.id,
            d.code,
            d.name,
            d.region.value,
            d.city,
            d.tier.value,
            d.contact_name,
            d.contact_phone,
            d.receptionist_id,
            d.sales_clerk_id,
            d.standing.value,
            d.personality,
            sales,
            d.concerns,
            True,
            created,
            clock.local(clock.today - dt.timedelta(days=rng.randint(1, 60)), 15),
        )


DEALER_COLUMNS = [
    "id",
    "code",
    "name",
    "region",
    "city",
    "tier",
    "contact_name",
    "contact_phone",
    "receptionist_id",
    "sales_clerk_id",
    "payment_standing",
    "personality",
    "sales_profile",
    "concerns",
    "active",
    "created_at",
    "updated_at",
]


def _store_rows(org: _Org, clock: _Clock) -> Iterator[Row]:
    """Yield store rows."""
    for s in org.stores:
        created = clock.local(s.opened_on, 9) - dt.timedelta(days=20)
        yield (
            s.id,
            s.code,
            s.name,
            s.kind.value,
            s.dealer_id,
            s.region.value,
            s.city,
            s.address,
            s.opened_on,
            True,
            created,
            created,
        )


STORE_COLUMNS = [
    "id",
    "code",
    "name",
    "kind",
    "dealer_id",
    "region",
    "city",
    "address",
    "opened_on",
    "active",
    "created_at",
    "updated_at",
]


def _staff_rows(org: _Org, clock: _Clock) -> Iterator[Row]:
    """Yield staff rows."""
    for s in org.staff:
        created = clock.local(s.created_on, 9)
        yield (
            s.id,
            s.username,
            s.display_name,
            s.role.value,
            s.store_id,
            s.region.value if s.region else None,
            s.phone,
            s.capacity,
            True,
            created,
            created,
        )


STAFF_COLUMNS = [
    "id",
    "username",
    "display_name",
    "role",
    "store_id",
    "region",
    "phone",
    "daily_call_capacity",
    "active",
    "created_at",
    "updated_at",
]


# ---------------------------------------------------------------------------
# Members and their visits
# ---------------------------------------------------------------------------

TIERS = [MemberTier.SILVER, MemberTier.GOLD, MemberTier.PLATINUM, MemberTier.DIAMOND]
TIER_CUM = [0.60, 0.85, 0.96, 1.0]
TIER_ACTIVITY = [0.75, 1.2, 1.6, 2.2]  # visit rate multiplier per tier
VISITS_PER_DAY = 8.2 / 365  # base visit rate of an average member while active
RATE_SHAPE = 2.0  # gamma shape of members' visit rates: a long tail of regulars
CHURN_P, CHURN_DAYS = 0.15, 400.0  # share of members who drift away, and their mean active days
FIRST_VISIT_P = 0.92  # enrolled at the till while buying (the rest enrolled at events or online)
MAX_VISITS = 90
FEEDBACK_PER_VISIT = 0.045
FEEDBACK_WITHOUT_VISIT = 0.04
SATISFACTION_CALL_P = [0.04, 0.065, 0.1, 0.14]  # share of purchases followed by a satisfaction call, per tier


@dataclass(slots=True)
class _Members:
    """Per-member facts the later tables depend on (parallel lists indexed by member id - 1)."""

    n: int
    enrol: list[float] = field(default_factory=list)
    store: list[int] = field(default_factory=list)
    tier: list[int] = field(default_factory=list)
    manager: list[int] = field(default_factory=list)
    consent: list[tuple[bool, bool, bool]] = field(default_factory=list)
    birthday: list[dt.date | None] = field(default_factory=list)
    status: list[MemberStatus] = field(default_factory=list)
    closed_at: list[float | None] = field(default_factory=list)
    visits: list[list[float]] = field(default_factory=list)
    enrolled_by: list[int] = field(default_factory=list)
    bought: list[int] = field(default_factory=list)  # bit j set: visit j had a purchase
    purchases: list[tuple[int, int]] = field(default_factory=list)  # (member index, day) followed by a call


def _plan_members(rng: random.Random, org: _Org, clock: _Clock, n: int) -> _Members:
    """Decide when and where every member enrolled and when they came back."""
    ndays = clock.ndays
    day_cum = list(_accumulate(_enrol_weight(clock, d) for d in range(ndays)))
    enrol = sorted(d + rng.random() for d in rng.choices(range(ndays), cum_weights=day_cum, k=n))
    store_cum = list(_accumulate(s.weight for s in org.stores))
    opened_day = [clock.day_of(s.opened_on) for s in org.stores]
    staff_cum = [list(_accumulate(s.staff_weights)) for s in org.stores]
    plan = _Members(n=n, enrol=enrol)
    dormant_before = ndays - DORMANT_AFTER_DAYS
    expo, rand, gamma = rng.expovariate, rng.random, rng.gammavariate
    for index, t in enumerate(enrol):
        day = int(t)
        while True:
            si = _pick(rng, store_cum)
            if opened_day[si] <= day:
                break
        store = org.stores[si]
        plan.store.append(store.id)
        plan.enrolled_by.append(store.staff[_pick(rng, staff_cum[si])])
        plan.manager.append(org.managers[store.region])
        tier = bisect.bisect(TIER_CUM, rand())
        plan.tier.append(tier)
        plan.consent.append((rand() < 0.9, rand() < 0.88, rand() < 0.93))
        if rand() < 0.9:
            year = clock.today.year - round(rng.triangular(20, 64, 33))
            year = min(2005, max(1960, year))
            plan.birthday.append(dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)))
        else:
            plan.birthday.append(None)
        # Activity ends when a member drifts away or closes the membership.
        end = float(ndays)
        if rand() < CHURN_P:
            end = min(end, t + expo(1 / CHURN_DAYS))
        closed: float | None = None
        if rand() < 0.012:
            closed = t + rand() * (ndays - t)
            end = min(end, closed)
        rate = VISITS_PER_DAY * TIER_ACTIVITY[tier] * gamma(RATE_SHAPE, 1 / RATE_SHAPE)
        times: list[float] = []
        # Most members enrol at the till while buying: the first visit is minutes after enrolment.
        first = t + 0.004 + rand() * 0.01
        enrolled_buying = rand() < FIRST_VISIT_P and first < ndays
        if enrolled_buying:
            times.append(first)
        x = times[-1] if times else t
        while len(times) < MAX_VISITS:
            x += expo(rate)
            if x >= end:
                break
            times.append(x)
        # Decided here rather than when writing visits, so that calls can be planned in parallel.
        bought = 0
        p_call = SATISFACTION_CALL_P[tier]
        for j, x in enumerate(times):
            if rand() < (0.9 if j == 0 and enrolled_buying else 0.56):
                bought |= 1 << j
                if rand() < p_call:
                    plan.purchases.append((index, int(x)))
        plan.visits.append(times)
        plan.bought.append(bought)
        plan.closed_at.append(closed)
        last = times[-1] if times else t
        if closed is not None:
            plan.status.append(MemberStatus.CLOSED)
        elif last < dormant_before:
            plan.status.append(MemberStatus.DORMANT)
        else:
            plan.status.append(MemberStatus.ACTIVE)
    return plan


MEMBER_COLUMNS = [
    "id",
    "member_no",
    "name",
    "phone",
    "gender",
    "birthday",
    "tier",
    "status",
    "home_store_id",
    "enrolled_by_id",
    "enrolled_at",
    "manager_id",
    "consent_phone",
    "consent_sms",
    "consent_wechat",
    "preferences",
    "tags",
    "notes",
    "last_visit_at",
    "created_at",
    "updated_at",
]


def _member_rows(rng: random.Random, names: _Names, plan: _Members, clock: _Clock) -> Iterator[Row]:
    """Yield member rows: names, phones, preferences and tags on top of the plan."""
    rand, choice, sample, randint = rng.random, rng.choice, rng.sample, rng.randint
    shop = clock.shop
    for i in range(plan.n):
        r = rand()
        gender = Gender.FEMALE if r < 0.72 else Gender.MALE if r < 0.97 else Gender.UNDISCLOSED
        tier = plan.tier[i]
        enrolled_at = shop(plan.enrol[i])
        times = plan.visits[i]
        last_visit = shop(times[-1]) if times else None
        if rand() < 0.1:
            preferences = "{}"
        else:
            if gender == Gender.MALE:
                shoe, bottom = randint(39, 45), randint(28, 36)
                top = TOP_SIZES[min(5, randint(2, 5))]
            else:
                shoe, bottom = randint(35, 40), randint(24, 30)
                top = TOP_SIZES[randint(0, 3)]
            preferences = json.dumps(
                {
                    "sizes": {"shoe": str(shoe), "top": top, "bottom": str(bottom)},
                    "colours": sample(COLOURS, randint(1, 3)),
                    "styles": sample(STYLES, randint(1, 2)),
                },
                ensure_ascii=False,
            )
        tags: list[str] = []
        if rand() < 0.4:
            birthday = plan.birthday[i]
            young = birthday is not None and birthday.year >= 2001
            tags.append("學生" if young and rand() < 0.6 else choice(LIFE_TAGS))
        if rand() < 0.4:
            tags.append(choice(HABIT_TAGS))
        if tier >= 2 and rand() < 0.8 and "價格敏感" not in tags and "只買折扣款" not in tags:
            tags.insert(0, "高消費")
        if len(times) >= 25:
            tags.append("常客")
        notes = choice(MEMBER_NOTES) if rand() < 0.08 else None
        closed = plan.closed_at[i]
        if closed is not None:
            notes = "會員申請註銷，資料保留。"
            updated_at = max(clock.office(closed), last_visit or enrolled_at)
        else:
            updated_at = last_visit if last_visit is not None else enrolled_at
        consent = plan.consent[i]
        yield (
            i + 1,
            f"M{i + 1:08d}",
            names.person(gender),
            names.phone(),
            gender.value,
            plan.birthday[i],
            TIERS[tier].value,
            plan.status[i].value,
            plan.store[i],
            plan.enrolled_by[i],
            enrolled_at,
            plan.manager[i],
            consent[0],
            consent[1],
            consent[2],
            preferences,
            tags,
            notes,
            last_visit,
            enrolled_at,
            updated_at,
        )


VISIT_COLUMNS = [
    "id",
    "kind",
    "member_id",
    "dealer_id",
    "store_id",
    "visited_at",
    "purchase_amount",
    "item_count",
    "items",
    "purpose",
    "quantity",
    "recorded_by_id",
    "notes",
    "created_at",
]


class _Basket:
    """Precomputed purchase pieces: weighted SKU table, JSON fragments, Decimal amounts."""

    def __init__(self) -> None:
        self.sku_table: list[int] = []
        for index, (_, _, _, popularity) in enumerate(CATALOGUE):
            self.sku_table.extend([index] * int(popularity * 4))
        self.cents = [price * 100 for _, _, price, _ in CATALOGUE]
        self.fragments = {
            (index, qty): json.dumps(
                {"sku": sku, "name": name, "quantity": qty, "amount": f"{price * qty}.00"}, ensure_ascii=False
            )
            for index, (sku, name, price, _) in enumerate(CATALOGUE)
            for qty in (1, 2, 3, 4)
        }
        self.amounts: dict[int, decimal.Decimal] = {}
        # Units bought in one visit: mostly one or two.
        self.unit_table = [1] * 10 + [2] * 6 + [3] * 3 + [4] * 2

    def amount(self, cents: int) -> decimal.Decimal:
        """Return a cached Decimal with two places."""
        value = self.amounts.get(cents)
        if value is None:
            value = decimal.Decimal(cents).scaleb(-2)
            self.amounts[cents] = value
        return value


def _visit_rows(rng: random.Random, org: _Org, plan: _Members, clock: _Clock) -> Iterator[Row]:
    """Yield member visits (in member order), then dealer showroom visits."""
    basket = _Basket()
    sku_table, cents_of, fragments, amount = basket.sku_table, basket.cents, basket.fragments, basket.amount
    unit_table = basket.unit_table
    n_sku, n_units = len(sku_table), len(unit_table)
    rand, choice = rng.random, rng.choice
    day_start, offsets = clock.day_start, SHOP_OFFSETS
    store_region = {s.id: s.region for s in org.stores}
    store_staff = {s.id: s.staff for s in org.stores}
    store_open = {s.id: clock.day_of(s.opened_on) for s in org.stores}
    region_stores = org.region_stores
    member_store = VisitKind.MEMBER_STORE.value
    vid = 0
    for i in range(plan.n):
        times = plan.visits[i]
        if not times:
            continue
        mid = i + 1
        home = plan.store[i]
        nearby = region_stores[store_region[home]]
        bought = plan.bought[i]
        for x in times:
            vid += 1
            d = int(x)
            at = day_start[d] + offsets[int((x - d) * 43200)]
            store = home
            if rand() > 0.86:
                other = choice(nearby)
                if store_open[other] <= d:
                    store = other
            recorder = choice(store_staff[store])
            if bought & 1:
                units = unit_table[int(rand() * n_units)]
                picks = sorted(sku_table[int(rand() * n_sku)] for _ in range(units))
                total = 0
                for p in picks:
                    total += cents_of[p]
                while total > MAX_PURCHASE_CENTS:
                    total -= cents_of[picks.pop()]
                if len(picks) == 1:
                    items = "[" + fragments[(picks[0], 1)] + "]"
                else:
                    parts = []
                    j = 0
                    while j < len(picks):
                        k = j
                        while k < len(picks) and picks[k] == picks[j]:
                            k += 1
                        parts.append(fragments[(picks[j], k - j)])
                        j = k
                    items = "[" + ", ".join(parts) + "]"
                yield (
                    vid,
                    member_store,
                    mid,
                    None,
                    store,
                    at,
                    amount(total),
                    len(picks),
                    items,
                    None,
                    None,
                    recorder,
                    None,
                    at,
                )
            else:
                note = choice(VISIT_NOTES) if rand() < 0.05 else None
                yield (vid, member_store, mid, None, store, at, None, 0, "[]", None, None, recorder, note, at)
            bought >>= 1
    yield from _showroom_rows(rng, org, clock, vid)


def _showroom_rows(rng: random.Random, org: _Org, clock: _Clock, vid: int) -> Generator[Row, None, int]:
    """Yield dealers' showroom visits: a few per dealer per month over two years."""
    first_month = _month_start(clock.today, -24)
    purposes = list(DealerVisitPurpose)
    rows: list[Row] = []
    for dealer in org.dealers:
        for m in range(25):
            month = _month_start(first_month, m)
            days_in_month = (_month_start(month, 1) - month).days
            for _ in range(rng.randint(1, 4)):
                date = month + dt.timedelta(days=rng.randrange(days_in_month))
                day = clock.day_of(date)
                if day >= clock.ndays or day < 0:
                    continue
                at = clock.office(day + rng.uniform(0.0, 0.7))
                purpose = rng.choices(purposes, [40, 40, 20])[0]
                quantity: int | None = None
                lines: list[dict[str, Any]] = []
                if purpose != DealerVisitPurpose.SEE_GOODS:
                    skus = rng.sample(CATALOGUE, rng.randint(1, 5))
                    for sku, name, _, _ in skus:
                        if purpose == DealerVisitPurpose.ORDER:
                            line: dict[str, Any] = {"sku": sku, "name": name, "quantity": rng.randint(2, 40) * 6}
                        else:
                            line = {
                                "sku": sku,
                                "name": name,
                                "quantity": rng.randint(1, 12),
                                "defect": rng.choice(DEFECTS),
                            }
                        lines.append(line)
                    quantity = sum(int(line["quantity"]) for line in lines)
                rows.append(
                    (
                        dealer.id,
                        at,
                        purpose.value,
                        quantity,
                        json.dumps(lines, ensure_ascii=False),
                        len(lines),
                        rng.choice(SHOWROOM_NOTES[purpose]),
                        dealer.receptionist_id,
                    )
                )
    rows.sort(key=lambda r: (r[1], r[0]))
    for dealer_id, at, purpose_value, quantity, items, count, note, receptionist in rows:
        vid += 1
        yield (
            vid,
            VisitKind.DEALER_SHOWROOM.value,
            None,
            dealer_id,
            None,
            at,
            None,
            count,
            items,
            purpose_value,
            quantity,
            receptionist,
            note,
            at,
        )
    return vid


# ---------------------------------------------------------------------------
# Feedback and its history
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _FeedbackPlan:
    """One feedback case before its rows are written."""

    party: PartyKind
    owner: int  # member index or dealer id
    case: _Case
    received: float  # day number
    channel: FeedbackChannel
    store_id: int | None
    received_by: int
    handler: int
    not_upheld: bool
    stop: FeedbackStatus | None  # a case stuck at this status (overdue)


FEEDBACK_COLUMNS = [
    "id",
    "party_kind",
    "member_id",
    "dealer_id",
    "store_id",
    "kind",
    "channel",
    "content",
    "status",
    "received_at",
    "received_by_id",
    "handler_id",
    "department",
    "cause",
    "responsible_person",
    "assessment_note",
    "solution",
    "customer_accepted",
    "review_note",
    "created_at",
    "updated_at",
]
EVENT_COLUMNS = ["id", "feedback_id", "from_status", "to_status", "actor_id", "note", "created_at"]


@dataclass(slots=True)
class _CallbackPlan:
    """One planned call before its row is written."""

    party: PartyKind
    owner: int  # member index or dealer id
    purpose: CallbackPurpose
    due: int  # day number; may be today or later
    assignee: int
    feedback_id: int | None = None
    forced: CallbackStatus | None = None  # status fixed by the feedback case
    closed: dt.datetime | None = None  # when the forced status was reached
    created: dt.datetime | None = None  # when the call was planned, if known
    satisfaction: int | None = None
    note: str | None = None


def _feedback_plans(rng: random.Random, org: _Org, plan: _Members, clock: _Clock) -> Iterator[_FeedbackPlan]:
    """Decide who said what, when, and whether the case gets stuck or is not upheld."""
    ndays = clock.ndays
    kinds = list(MEMBER_KIND_WEIGHTS)
    kind_weights = list(MEMBER_KIND_WEIGHTS.values())
    cases_by_kind = {k: [c for c in MEMBER_CASES if c.kind == k] for k in kinds}
    channels = list(FeedbackChannel)
    store_staff = {s.id: s.staff for s in org.stores}
    supervisor = next(s.id for s in org.staff if s.role == Role.SUPERVISOR)
    rand = rng.random
    for i in range(plan.n):
        # Feedback comes with visits (at the till, or by phone or online a few days later), and
        # now and then out of the blue; so it follows the volume of visits over time.
        moments = [(x, True) for x in plan.visits[i] if rand() < FEEDBACK_PER_VISIT]
        if rand() < FEEDBACK_WITHOUT_VISIT:
            start = plan.enrol[i]
            closed = plan.closed_at[i]
            end = closed if closed is not None else float(ndays)
            moments.append((start + (end - start) * (0.1 + 0.8 * rand()), False))
        for moment, at_visit in moments:
            kind = rng.choices(kinds, kind_weights)[0]
            case = rng.choice(cases_by_kind[kind])
            if kind == FeedbackKind.SUGGESTION:
                channel = rng.choices(channels, [25, 10, 20, 10, 35])[0]
            else:
                channel = rng.choices(channels, [42, 28, 15, 12, 3])[0]
            if not at_visit:
                received = moment
                if channel in (FeedbackChannel.STORE, FeedbackChannel.SUGGESTION_BOX):
                    channel = FeedbackChannel.ONLINE
            elif channel in (FeedbackChannel.STORE, FeedbackChannel.SUGGESTION_BOX):
                received = moment
            else:
                later = moment + rng.uniform(0.2, 6.0)
                received = later if later < ndays else moment + (ndays - moment) / 2
            store_id: int | None = plan.store[i]
            if channel in (FeedbackChannel.ONLINE, FeedbackChannel.SOCIAL_MEDIA) and rng.random() < 0.5:
                store_id = None
            if channel in (FeedbackChannel.STORE, FeedbackChannel.SUGGESTION_BOX):
                receiver = rng.choice(store_staff[plan.store[i]])
            else:
                receiver = plan.manager[i]
            handler = supervisor if rng.random() < 0.15 else plan.manager[i]
            p_not_upheld = {
                FeedbackKind.COMPLAINT: 0.12,
                FeedbackKind.QUALITY_REPORT: 0.08,
                FeedbackKind.SUGGESTION: 0.1,
                FeedbackKind.PRAISE: 0.0,
            }[kind]
            # A few recent cases are stuck: the overdue ones the supervisor chases.
            stuck = received > ndays - 60 and rng.random() < 0.1
            stop = rng.choice(FEEDBACK_PATH[:-1]) if stuck else None
            yield (
                _FeedbackPlan(
                    PartyKind.MEMBER,
                    i,
                    case,
                    received,
                    channel,
                    store_id,
                    receiver,
                    handler,
                    rng.random() < p_not_upheld,
                    stop,
                )
            )
    for dealer in org.dealers:
        for _ in range(rng.randint(3, 8)):
            case = rng.choice(DEALER_CASES)
            received = rng.uniform(max(0.0, ndays - 540.0), ndays - 0.05)
            channel = rng.choices([FeedbackChannel.PHONE, FeedbackChannel.ONLINE, FeedbackChannel.STORE], [60, 25, 15])[
                0
            ]
            store_id = rng.choice(dealer.stores) if channel == FeedbackChannel.STORE else None
            handler = supervisor if rng.random() < 0.3 else dealer.receptionist_id
            yield (
                _FeedbackPlan(
                    PartyKind.DEALER,
                    dealer.id,
                    case,
                    received,
                    channel,
                    store_id,
                    dealer.receptionist_id,
                    handler,
                    case.kind != FeedbackKind.PRAISE and rng.random() < 0.08,
                    rng.choice(FEEDBACK_PATH[:-1]) if received > ndays - 60 and rng.random() < 0.1 else None,
                )
            )


def _cover_every_status(plans: list[_FeedbackPlan], ndays: int) -> None:
    """Make sure a small data set still shows a case at every status.

    The newest cases old enough to have run the whole loop are pinned, one per status; those
    stopped early stand for the overdue cases the supervisor reviews.
    """
    longest = sum(high for _, high in STEP_DAYS)
    old_enough = [p for p in reversed(plans) if p.case.kind != FeedbackKind.PRAISE and p.received < ndays - longest]
    for p, status in zip(old_enough, FeedbackStatus, strict=False):
        if status == FeedbackStatus.NOT_UPHELD:
            p.not_upheld, p.stop = True, None
        else:
            p.not_upheld, p.stop = False, status


def _feedback_rows(
    rng: random.Random,
    org: _Org,
    plan: _Members,
    clock: _Clock,
    names: _Names,
    plans: list[_FeedbackPlan],
    events: list[Row],
    followups: list[_CallbackPlan],
) -> Iterator[Row]:
    """Yield feedback rows; collect their events and the follow-up calls their resolution requires."""
    today_start = clock.today_start
    ndays = clock.ndays
    store_names = {s.id: s.name for s in org.stores}
    eid = 0
    for fid, f in enumerate(plans, start=1):
        case = f.case
        product = rng.choice(CATALOGUE)[1]
        store_name = store_names.get(f.store_id or 0) or (
            store_names[plan.store[f.owner]] if f.party == PartyKind.MEMBER else "門店"
        )
        content = case.content.format(product=product, store=store_name, n=rng.randint(5, 40))
        # Members' feedback shares the visits' clock (10:00-22:00), so it never precedes them.
        received_at = clock.shop(f.received) if f.party == PartyKind.MEMBER else clock.office(f.received)
        path = [FeedbackStatus.RECEIVED, FeedbackStatus.NOT_UPHELD] if f.not_upheld else FEEDBACK_PATH
        reached: list[tuple[FeedbackStatus, dt.datetime]] = [(FeedbackStatus.RECEIVED, received_at)]
        x = f.received
        prev = received_at
        for step, status in enumerate(path[1:], start=1):
            if reached[-1][0] == f.stop:
                break
            low, high = STEP_DAYS[step] if not f.not_upheld else (0.1, 2.0)
            x += rng.uniform(low, high)
            if x >= ndays:
                break
            at = max(clock.office(x), prev + dt.timedelta(minutes=5))
            if at >= today_start:
                break
            reached.append((status, at))
            prev = at
        status = reached[-1][0]
        depth = len(reached) - 1 if not f.not_upheld else 0
        dept_label = DEPARTMENT_LABELS[case.department]
        department = case.department.value if depth >= 1 else None
        assessment = None
        if f.not_upheld and status == FeedbackStatus.NOT_UPHELD:
            assessment = rng.choice(NOT_UPHELD_NOTES)
        elif depth >= 1:
            assessment = rng.choice(ASSESSMENT_NOTES[case.kind]).format(dept=dept_label)
        cause = case.cause.value if depth >= 3 else None
        responsible = (
            f"{names.person(Gender.MALE if rng.random() < 0.5 else Gender.FEMALE)}（{dept_label}）"
            if depth >= 3
            else None
        )
        solution = case.solution if depth >= 3 else None
        accepted = True if depth >= 4 else None
        review = case.review if depth >= 6 else None
        handler = f.handler if len(reached) > 1 else None
        member_id = f.owner + 1 if f.party == PartyKind.MEMBER else None
        dealer_id = f.owner if f.party == PartyKind.DEALER else None
        yield (
            fid,
            f.party.value,
            member_id,
            dealer_id,
            f.store_id,
            case.kind.value,
            f.channel.value,
            content,
            status.value,
            received_at,
            f.received_by,
            handler,
            department,
            cause,
            responsible,
            assessment,
            solution,
            accepted,
            review,
            received_at,
            reached[-1][1],
        )
        previous: FeedbackStatus | None = None
        for ev_status, at in reached:
            eid += 1
            actor = f.received_by if ev_status == FeedbackStatus.RECEIVED else f.handler
            events.append(
                (eid, fid, previous.value if previous else None, ev_status.value, actor, EVENT_NOTES[ev_status], at)
            )
            previous = ev_status
        # A resolved complaint must be followed by a return visit (處理後有回訪).
        if depth >= 4 and case.kind in (FeedbackKind.COMPLAINT, FeedbackKind.QUALITY_REPORT):
            resolved_at = reached[4][1]
            resolved_day = clock.day_of(resolved_at.astimezone(BUSINESS_TZ).date())
            assignee = plan.manager[f.owner] if f.party == PartyKind.MEMBER else f.handler
            if depth >= 5:
                done_at = reached[5][1]
                done_day = clock.day_of(done_at.astimezone(BUSINESS_TZ).date())
                followups.append(
                    _CallbackPlan(
                        f.party,
                        f.owner,
                        CallbackPurpose.COMPLAINT_FOLLOW_UP,
                        done_day,
                        assignee,
                        fid,
                        CallbackStatus.DONE,
                        done_at,
                        resolved_at,
                        rng.choices(range(1, 6), [2, 4, 14, 38, 42])[0],
                    )
                )
            else:
                followups.append(
                    _CallbackPlan(
                        f.party,
                        f.owner,
                        CallbackPurpose.COMPLAINT_FOLLOW_UP,
                        resolved_day + rng.randint(1, 3),
                        assignee,
                        fid,
                        CallbackStatus.OPEN,
                        created=resolved_at,
                    )
                )


# ---------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------

CALLBACK_COLUMNS = [
    "id",
    "party_kind",
    "member_id",
    "dealer_id",
    "purpose",
    "channel",
    "due_on",
    "assignee_id",
    "status",
    "priority",
    "attempts",
    "last_attempt_at",
    "reached",
    "satisfaction",
    "non_conversion_reason",
    "outcome_notes",
    "notes",
    "feedback_id",
    "closed_at",
    "created_at",
    "updated_at",
]
PREFERRED_CHANNELS = {
    CallbackPurpose.SATISFACTION: (Channel.PHONE, Channel.WECHAT, Channel.SMS),
    CallbackPurpose.COMPLAINT_FOLLOW_UP: (Channel.PHONE, Channel.WECHAT, Channel.SMS),
    CallbackPurpose.REACTIVATION: (Channel.PHONE, Channel.WECHAT, Channel.SMS),
    CallbackPurpose.BIRTHDAY: (Channel.WECHAT, Channel.PHONE, Channel.SMS),
    CallbackPurpose.PROMOTION: (Channel.SMS, Channel.WECHAT, Channel.PHONE),
    CallbackPurpose.OTHER: (Channel.PHONE, Channel.WECHAT, Channel.SMS),
}
CHANNEL_INDEX = {Channel.PHONE: 0, Channel.SMS: 1, Channel.WECHAT: 2}


def _member_callback_plans(rng: random.Random, plan: _Members, clock: _Clock) -> Iterator[_CallbackPlan]:
    """Plan satisfaction, birthday, reactivation, promotion and other calls (none due today)."""
    ndays = clock.ndays
    today = clock.today
    for i, day in plan.purchases:
        yield (
            _CallbackPlan(PartyKind.MEMBER, i, CallbackPurpose.SATISFACTION, day + rng.randint(2, 4), plan.manager[i])
        )
    campaigns: list[tuple[int, str]] = []
    for year in range(clock.d0.year, today.year + 2):
        for month, dom, name in CAMPAIGNS:
            day = clock.day_of(dt.date(year, month, dom))
            if 10 <= day <= ndays + 20:
                campaigns.append((day, name))
    promo_p = [0.03, 0.06, 0.09, 0.13]
    for i in range(plan.n):
        start = plan.enrol[i]
        closed = plan.closed_at[i]
        stop = closed if closed is not None else ndays + 30.0
        tier = plan.tier[i]
        manager = plan.manager[i]
        birthday = plan.birthday[i]
        if birthday is not None and rng.random() < (0.55 if tier >= 1 else 0.1):
            for year in range(clock.d0.year, today.year + 1):
                try:
                    date = birthday.replace(year=year)
                except ValueError:
                    date = dt.date(year, 3, 1)
                day = clock.day_of(date) - 1
                if start < day < stop and day <= ndays + 14:
                    yield _CallbackPlan(PartyKind.MEMBER, i, CallbackPurpose.BIRTHDAY, day, manager)
        for day, name in campaigns:
            due = day - rng.randint(2, 10)
            if start < due < stop and rng.random() < promo_p[tier]:
                yield (
                    _CallbackPlan(
                        PartyKind.MEMBER,
                        i,
                        CallbackPurpose.PROMOTION,
                        due,
                        manager,
                        note=PLAN_NOTES[CallbackPurpose.PROMOTION][0].format(campaign=name),
                    )
                )
        if plan.status[i] == MemberStatus.DORMANT:
            times = plan.visits[i]
            last = times[-1] if times else start
            due = int(last) + DORMANT_AFTER_DAYS + rng.randint(3, 40)
            if due >= ndays:
                due = ndays + rng.randint(1, 10)
            yield _CallbackPlan(PartyKind.MEMBER, i, CallbackPurpose.REACTIVATION, due, manager)
        if rng.random() < 0.03:
            due = int(start + rng.random() * (min(stop, ndays + 10.0) - start)) + 1
            yield _CallbackPlan(PartyKind.MEMBER, i, CallbackPurpose.OTHER, due, manager)


def _todays_agenda(
    rng: random.Random, org: _Org, plan: _Members, clock: _Clock, planned: list[_CallbackPlan]
) -> list[_CallbackPlan]:
    """Top every VIP manager's calls due today up to 20-50 (fewer only when they have fewer members)."""
    ndays = clock.ndays
    by_manager: dict[int, list[int]] = {m: [] for m in org.managers.values()}
    for i in range(plan.n):
        if plan.status[i] != MemberStatus.CLOSED and any(plan.consent[i]):
            by_manager[plan.manager[i]].append(i)
    soon = {ndays + k for k in range(8)}
    out: list[_CallbackPlan] = []
    for manager, members in by_manager.items():
        wanted = rng.randint(22, 50)
        due_today = [c for c in planned if c.assignee == manager and c.due == ndays]
        for c in due_today[wanted:]:
            c.due += 1
        chosen = rng.sample(members, max(0, min(len(members), wanted - len(due_today))))
        for i in sorted(chosen):
            times = plan.visits[i]
            birthday = plan.birthday[i]
            if plan.status[i] == MemberStatus.DORMANT:
                purpose = CallbackPurpose.REACTIVATION
            elif times and times[-1] > ndays - 5:
                purpose = CallbackPurpose.SATISFACTION
            elif birthday is not None and clock.day_of(_this_year(birthday, clock.today)) in soon:
                purpose = CallbackPurpose.BIRTHDAY
            else:
                purpose = rng.choices([CallbackPurpose.PROMOTION, CallbackPurpose.OTHER], [85, 15])[0]
            note = None
            if purpose == CallbackPurpose.PROMOTION:
                note = PLAN_NOTES[purpose][0].format(campaign="本月會員日")
            out.append(_CallbackPlan(PartyKind.MEMBER, i, purpose, ndays, manager, note=note))
    return out


def _this_year(birthday: dt.date, today: dt.date) -> dt.date:
    """Return this year's birthday (1 March for 29 February in other years)."""
    try:
        return birthday.replace(year=today.year)
    except ValueError:
        return dt.date(today.year, 3, 1)


def _plan_dealer_callbacks(rng: random.Random, org: _Org, clock: _Clock) -> list[_CallbackPlan]:
    """Plan weekly sales talks and payment reminders with each dealer (by the region's sales clerk)."""
    ndays = clock.ndays
    out: list[_CallbackPlan] = []
    for dealer in org.dealers:
        weekday = rng.randrange(5)
        monday = ndays - clock.today.weekday()
        for week in range(-26, 3):
            due = monday + week * 7 + weekday
            if due >= 0:
                out.append(
                    _CallbackPlan(
                        PartyKind.DEALER, dealer.id, CallbackPurpose.DEALER_SALES_TALK, due, dealer.sales_clerk_id
                    )
                )
        p = {
            PaymentStanding.GOOD: 0.15,
            PaymentStanding.LATE: 0.7,
            PaymentStanding.OVERDUE: 1.0,
            PaymentStanding.SUSPENDED: 1.0,
        }[dealer.standing]
        for m in range(-12, 2):
            due = clock.day_of(_month_start(clock.today, m) + dt.timedelta(days=4 + rng.randrange(4)))
            if due >= 0 and rng.random() < p:
                out.append(
                    _CallbackPlan(
                        PartyKind.DEALER, dealer.id, CallbackPurpose.PAYMENT_REMINDER, due, dealer.sales_clerk_id
                    )
                )
    return out


def _callback_rows(
    rng: random.Random, org: _Org, plan: _Members, clock: _Clock, plans: list[_CallbackPlan]
) -> Iterator[Row]:
    """Yield callbacks; how far each got follows from its due date (or from its feedback case)."""
    ndays = clock.ndays
    today_start = clock.today_start
    product_names = [c[1] for c in CATALOGUE]
    dealer_tier = {d.id: d.tier for d in org.dealers}
    for cid, c in enumerate(plans, start=1):
        member = c.party == PartyKind.MEMBER
        if member:
            consent = plan.consent[c.owner]
            channel = next((ch for ch in PREFERRED_CHANNELS[c.purpose] if consent[CHANNEL_INDEX[ch]]), Channel.PHONE)
            earliest = clock.shop(plan.enrol[c.owner]) + dt.timedelta(minutes=10)
            tier = plan.tier[c.owner]
            priority = 2 if c.purpose == CallbackPurpose.COMPLAINT_FOLLOW_UP else 1 if tier >= 2 else 0
        else:
            channel = Channel.PHONE if rng.random() < 0.8 else Channel.WECHAT
            earliest = clock.office(0.0)
            priority = (
                1
                if dealer_tier[c.owner] == DealerTier.STRATEGIC or c.purpose == CallbackPurpose.COMPLAINT_FOLLOW_UP
                else 0
            )
        due_date = clock.date(c.due)
        # Planned a few days ahead, never after today began nor before the member enrolled.
        planned = clock.office(max(0.0, min(c.due - rng.randint(1, 7), ndays - 1) + rng.random()))
        created = c.created or min(max(planned, earliest), today_start - dt.timedelta(minutes=1))
        status = c.forced
        if status is None:
            age = ndays - c.due
            r = rng.random()
            if age <= 0 or (age <= 3 and r < 0.3) or (age <= 14 and r < 0.05):
                status = CallbackStatus.OPEN
            else:
                r = rng.random()
                status = (
                    CallbackStatus.DONE
                    if r < 0.76
                    else CallbackStatus.UNREACHABLE
                    if r < 0.9
                    else CallbackStatus.CANCELLED
                )
        attempts = 0
        last_attempt: dt.datetime | None = None
        reached: bool | None = None
        satisfaction: int | None = None
        reason: str | None = None
        outcome: str | None = None
        closed_at: dt.datetime | None = None
        if status == CallbackStatus.OPEN:
            if c.due < ndays and rng.random() < 0.4:
                attempts = rng.randint(1, 2)
                last_attempt = max(created, clock.office(min(ndays - 1, c.due + rng.randint(0, 2)) + rng.random()))
                last_attempt = min(last_attempt, today_start - dt.timedelta(minutes=1))
                outcome = rng.choice(OPEN_ATTEMPT_NOTES)
        else:
            if c.closed is not None:
                closed_at = c.closed
            else:
                closed_day = min(ndays - 1, c.due + rng.choice([0, 0, 0, 1, 1, 2]))
                closed_at = clock.office(closed_day + rng.random())
            closed_at = min(max(closed_at, created + dt.timedelta(minutes=30)), today_start - dt.timedelta(seconds=1))
            created = min(created, closed_at)
            if status == CallbackStatus.DONE:
                attempts = rng.choices([1, 2, 3], [70, 22, 8])[0]
                last_attempt = closed_at
                reached = True
                happy, unhappy = CALLBACK_NOTES[c.purpose]
                if c.satisfaction is not None:
                    satisfaction = c.satisfaction
                    converted = satisfaction >= 4
                else:
                    converted = rng.random() >= UNCONVERTED_P.get(c.purpose, 0.15)
                    table = SATISFIED_TABLE if converted else UNSATISFIED_TABLE
                    satisfaction = table[int(rng.random() * 100)]
                if converted:
                    note_text = rng.choice(happy)
                else:
                    note_text, why = rng.choice(unhappy)
                    reason = why.value if member and why is not None else None
                outcome = note_text.format(product=rng.choice(product_names), n=rng.randint(3, 30))
            elif status == CallbackStatus.UNREACHABLE:
                attempts = 3
                last_attempt = closed_at
                reached = False
                outcome = rng.choice(UNREACHABLE_NOTES)
            else:
                outcome = rng.choice(CANCELLED_NOTES) if member else "經銷商已主動聯繫，取消。"
        notes = c.note or (rng.choice(PLAN_NOTES[c.purpose]) if rng.random() < 0.3 else None)
        updated = closed_at or last_attempt or created
        yield (
            cid,
            c.party.value,
            c.owner + 1 if member else None,
            None if member else c.owner,
            c.purpose.value,
            channel.value,
            due_date,
            c.assignee,
            status.value,
            priority,
            attempts,
            last_attempt,
            reached,
            satisfaction,
            reason,
            outcome,
            notes,
            c.feedback_id,
            closed_at,
            created,
            updated,
        )


# ---------------------------------------------------------------------------
# Enrolment targets
# ---------------------------------------------------------------------------

TARGET_COLUMNS = [
    "id",
    "month",
    "scope",
    "store_id",
    "staff_id",
    "dealer_id",
    "region",
    "target_count",
    "created_at",
    "updated_at",
]


def _round_randomly(rng: random.Random, value: float) -> int:
    """Round down or up with the fraction as probability, so small targets still add up."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _target_rows(rng: random.Random, org: _Org, clock: _Clock, n: int) -> Iterator[Row]:
    """Yield monthly targets for this month and the last three, sized from the expected volume."""
    total_weight = sum(_enrol_weight(clock, d) for d in range(clock.ndays))
    tid = 0
    for delta in (-3, -2, -1, 0):
        month = _month_start(clock.today, delta)
        next_month = _month_start(month, 1)
        first, last = clock.day_of(month), clock.day_of(next_month)
        expected = n * sum(_enrol_weight(clock, d) for d in range(first, last)) / total_weight
        open_stores = [s for s in org.stores if s.opened_on < next_month]
        store_weight = sum(s.weight for s in open_stores)
        created = clock.office(max(0.0, first - rng.randint(3, 8) + rng.random()))
        store_targets: dict[int, int] = {}
        for store in open_stores:
            target = _round_randomly(rng, expected * store.weight / store_weight * rng.uniform(0.8, 1.2))
            store_targets[store.id] = target
            tid += 1
            yield (tid, month, TargetScope.STORE.value, store.id, None, None, None, target, created, created)
        for store in open_stores:
            total = sum(store.staff_weights)
            for staff_id, weight in zip(store.staff, store.staff_weights, strict=True):
                tid += 1
                target = _round_randomly(rng, store_targets[store.id] * weight / total * rng.uniform(0.95, 1.2))
                yield (tid, month, TargetScope.STAFF.value, None, staff_id, None, None, target, created, created)
        for dealer in org.dealers:
            total_d = sum(store_targets.get(s, 0) for s in dealer.stores)
            tid += 1
            yield (
                tid,
                month,
                TargetScope.DEALER.value,
                None,
                None,
                dealer.id,
                None,
                max(1, round(total_d * rng.uniform(0.95, 1.1))),
                created,
                created,
            )
        for region in Region:
            total_r = sum(store_targets.get(s, 0) for s in org.region_stores[region])
            tid += 1
            yield (
                tid,
                month,
                TargetScope.REGION.value,
                None,
                None,
                None,
                region.value,
                max(1, round(total_r * 1.02)),
                created,
                created,
            )


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------


LATER_COLUMNS = {
    "feedback": FEEDBACK_COLUMNS,
    "feedback_event": EVENT_COLUMNS,
    "callback": CALLBACK_COLUMNS,
    "enrolment_target": TARGET_COLUMNS,
}


async def _collect(items: Iterable[T]) -> list[T]:
    """Gather items, handing the event loop back now and then so that a running COPY keeps flowing."""
    out: list[T] = []
    for k, item in enumerate(items):
        out.append(item)
        if not k % 256:
            await asyncio.sleep(0)
    return out


async def _build_later_tables(
    rngs: dict[str, random.Random], org: _Org, plan: _Members, clock: _Clock, n: int
) -> dict[str, list[Row]]:
    """Build the feedback, feedback_event, callback and enrolment_target rows."""
    names = _Names(rngs["people"])
    cases = await _collect(_feedback_plans(rngs["feedback"], org, plan, clock))
    cases.sort(key=lambda f: f.received)
    _cover_every_status(cases, clock.ndays)
    events: list[Row] = []
    followups: list[_CallbackPlan] = []
    feedback_rows = _feedback_rows(rngs["feedback_event"], org, plan, clock, names, cases, events, followups)
    feedback = await _collect(feedback_rows)
    rng = rngs["callback"]
    calls = await _collect(_member_callback_plans(rng, plan, clock))
    # Today's agenda is set on purpose below; nothing planned by the rules falls due today.
    for call in calls:
        if call.due == clock.ndays:
            call.due += 1
    calls.extend(followups)
    calls.extend(_todays_agenda(rng, org, plan, clock, followups))
    calls.extend(_plan_dealer_callbacks(rng, org, clock))
    calls.sort(key=lambda c: (c.due, c.party.value, c.owner, c.purpose.value))
    callbacks = await _collect(_callback_rows(rng, org, plan, clock, calls))
    targets = list(_target_rows(rngs["enrolment_target"], org, clock, n))
    return {"feedback": feedback, "feedback_event": events, "callback": callbacks, "enrolment_target": targets}


def _dsn(url: str) -> str:
    """Return an asyncpg DSN for a postgresql:// or postgresql+asyncpg:// URL."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    raise ValueError("the database URL must start with postgresql://")


async def _prepare(conn: asyncpg.Connection, reset: bool) -> list[tuple[str, str, str]]:
    """Lock and check (or empty) the tables; drop their foreign keys and return them for re-adding."""
    tables = ", ".join(TABLES)
    # Two seeders at once would collide on ids; the second waits, then finds data.
    await conn.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    if reset:
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        exists = " OR ".join(f"EXISTS (SELECT 1 FROM {t})" for t in TABLES)  # noqa: S608  (constant table names)
        if await conn.fetchval(f"SELECT {exists}"):
            raise SeedError("database already has data; use --reset")
    rows = await conn.fetch(
        """
        SELECT c.conrelid::regclass::text AS tbl, quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid = ANY($1::text[]::regclass[])
        ORDER BY 1, 2
        """,
        list(TABLES),
    )
    foreign_keys = [(r["tbl"], r["name"], r["def"]) for r in rows]
    for table, name, _ in foreign_keys:
        await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return foreign_keys


async def _restore(conn: asyncpg.Connection, foreign_keys: list[tuple[str, str, str]]) -> None:
    """Re-add (and so validate) the foreign keys; move every sequence past the seeded rows."""
    by_table: dict[str, list[str]] = {}
    for table, name, definition in foreign_keys:
        by_table.setdefault(table, []).append(f"ADD CONSTRAINT {name} {definition}")
    for table, clauses in by_table.items():
        await conn.execute(f"ALTER TABLE {table} " + ", ".join(clauses))
    for table in TABLES:
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        await conn.execute(f"SELECT setval({sequence}, coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}")  # noqa: S608
    await conn.execute("SELECT setval('member_no_seq', coalesce(max(id), 1), max(id) IS NOT NULL) FROM member")


async def _copy(conn: asyncpg.Connection, table: str, columns: list[str], rows: Iterable[Row]) -> int:
    """COPY rows into a table; return how many went in."""
    status = await conn.copy_records_to_table(table, records=rows, columns=columns)
    return int(status.split()[-1])


async def seed(
    url: str,
    *,
    members: int = 2000,
    random_seed: int = 20261124,
    today: dt.date | None = None,
    reset: bool = False,
    plan_days: bool = True,
) -> SeedReport:
    """Load the demo data set into an empty, migrated database in one transaction."""
    if members < 1:
        raise ValueError("members must be at least 1")
    started = time.perf_counter()
    clock = _Clock(today or dt.datetime.now(BUSINESS_TZ).date())
    # One generator per concern, so changing one table's rules leaves the others' data alone.
    rngs = {name: random.Random(f"{random_seed}:{name}") for name in (*TABLES, "org", "names", "people", "plan")}
    names = _Names(rngs["names"])
    org = _build_org(rngs["org"], names, clock, members)
    counts: dict[str, int] = {}
    gc_was_enabled = gc.isenabled()
    # Millions of long-lived tuples: the cyclic collector would rescan them over and over for nothing.
    gc.disable()
    conn = await asyncpg.connect(_dsn(url), server_settings={"timezone": "UTC", "application_name": "crm-seed"})
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit TO off")
            await conn.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            await conn.execute("SET LOCAL work_mem TO '128MB'")
            foreign_keys = await _prepare(conn, reset)
            plan = _plan_members(rngs["plan"], org, clock, members)
            # Feedback and calls are worked out while PostgreSQL is busy indexing the visits.
            builder = asyncio.ensure_future(_build_later_tables(rngs, org, plan, clock, members))
            try:
                counts["dealer"] = await _copy(conn, "dealer", DEALER_COLUMNS, _dealer_rows(org, clock, rngs["dealer"]))
                counts["store"] = await _copy(conn, "store", STORE_COLUMNS, _store_rows(org, clock))
                counts["staff"] = await _copy(conn, "staff", STAFF_COLUMNS, _staff_rows(org, clock))
                members_rows = _member_rows(rngs["member"], names, plan, clock)
                counts["member"] = await _copy(conn, "member", MEMBER_COLUMNS, members_rows)
                visit_rows = _visit_rows(rngs["visit"], org, plan, clock)
                counts["visit"] = await _copy(conn, "visit", VISIT_COLUMNS, visit_rows)
                later = await builder
            finally:
                if not builder.done():
                    builder.cancel()
                    await asyncio.gather(builder, return_exceptions=True)
            for table, columns in LATER_COLUMNS.items():
                counts[table] = await _copy(conn, table, columns, later[table])
            await _restore(conn, foreign_keys)
            await conn.execute(
                "UPDATE staff SET password_hash = $1 WHERE username = ANY($2::text[])",
                hash_password(DEMO_PASSWORD),
                list(DEMO_USERS),
            )
            # The complaint loop's SLA clocks and escalations, worked out from the events (crm/feedback/demo.py).
            counts["feedback_event"] += await fill_feedback_clocks(conn, clock.today_start)
            # Spend, lunar birthdays, attempts, conversions (crm/callbacks/demo.py).
            counts["callback_attempt"] = await fill_call_history(conn)
            # A few members enrolled twice, marked as duplicates that targets do not count (crm/targets/demo.py).
            await mark_duplicates(conn)
        # Fresh statistics, so the first queries after a big load get sensible plans.
        await conn.execute("ANALYZE " + ", ".join(TABLES))
    finally:
        await conn.close()
        if gc_was_enabled:
            gc.enable()
    plan_started = time.perf_counter()
    planned = await _plan_coming_week(url, clock.date(clock.ndays), clock.today_start) if plan_days else 0
    plan_seconds = time.perf_counter() - plan_started
    counts["callback"] += planned
    ordered = {table: counts[table] for table in TABLES}
    return SeedReport(counts=ordered, seconds=time.perf_counter() - started, planned=planned, plan_seconds=plan_seconds)


async def _plan_coming_week(url: str, today: dt.date, today_start: dt.datetime) -> int:
    """Plan the next seven days from the policies, as the nightly job would have done this morning."""
    from crm.callbacks import planning
    from crm.config import Settings
    from crm.db import make_engine, make_sessionmaker

    engine = make_engine(Settings(database_url=url), url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await planning.plan(session, None, today, today + dt.timedelta(days=6), now=today)
            # Planned "this morning": the demo's rows do not depend on when the seed ran.
            await session.execute(
                update(Callback)
                .where(Callback.plan_key.is_not(None), Callback.created_at > today_start)
                .values(created_at=today_start, updated_at=today_start)
            )
            await session.commit()
    finally:
        await engine.dispose()
    return result.created
